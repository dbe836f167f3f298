// The dashboard's key: for a Janus whose read endpoints need one (Janus:Security:ReadAccess), and for publishing from
// an untrusted network. Never in a URL that reaches the server (it would be logged): the page reads it from the
// address's fragment (/#key=..., which browsers do not send), from the key form, or from this tab's sessionStorage;
// it sends it as Authorization: Bearer on its fetches and as the janus-key subprotocol on its WebSocket (janus.js).

const STORAGE = "janus.dashboard.key";

/** The key for this tab, or undefined. A #key=... in the address is moved into sessionStorage and taken out of it. */
export function currentKey() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const fromFragment = fragment.get("key");
  if (fromFragment) {
    saveKey(fromFragment);
    fragment.delete("key");
    const rest = fragment.toString();
    history.replaceState(null, "", location.pathname + location.search + (rest ? "#" + rest : ""));
  }

  try {
    return sessionStorage.getItem(STORAGE) || undefined;
  } catch {
    return undefined;
  }
}

/** Keeps the key for this tab (sessionStorage: gone when the tab closes). */
export function saveKey(key) {
  try {
    if (key) {
      sessionStorage.setItem(STORAGE, key);
    } else {
      sessionStorage.removeItem(STORAGE);
    }
  } catch {
    // Storage blocked: the key lasts until the page is left.
  }
}

/** Headers for the page's API requests. */
export function authHeaders(key) {
  return key ? { Authorization: "Bearer " + key } : {};
}
