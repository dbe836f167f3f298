/*!
 * janus.mjs: janus.js as an ES module.
 *   import { JanusClient } from "/janus.mjs";
 *   const client = new JanusClient({ url: "wss://push.example.com/ws" });
 * The client itself lives in janus.js (a classic script that sets globalThis.Janus); this file loads it and exports
 * its parts. Guide: docs/janus-js.md.
 */
import "./janus.js";

const Janus = globalThis.Janus;

export const { version, Client, JanusClient, JanusError, connect, timestampToMillis } = Janus;
export default Janus;
