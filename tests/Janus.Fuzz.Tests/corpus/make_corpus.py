#!/usr/bin/env python3
"""Writes the seed corpus (one input per file, raw bytes). Re-run after editing; the files are checked in."""
import os, struct

here = os.path.dirname(os.path.abspath(__file__))

def write(target, name, data):
    os.makedirs(os.path.join(here, target), exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(here, target, name), "wb") as f:
        f.write(data)

commands = {
    "subscribe": '{"action":"subscribe","data":"news"}',
    "unsubscribe": '{"action":"unsubscribe","data":"news"}',
    "publish": '{"action":"publish","topic":"prices","event":"tick","message_id":12345,"data":{"bid":101.25}}',
    "publish-keys-reordered": '{"data":[1,2,{"x":null}],"message_id":"m-1","event":"e","topic":"prices","action":"publish"}',
    "publish-whitespace": ' \t{ "action" : "publish" ,\n "topic" : "a b" , "data" : [ 1 , "two" , { "three" : 3 } ] }\r\n',
    "publish-no-optional": '{"action":"publish","topic":"t"}',
    "subscribe-escaped-topic": '{"action":"subscribe","data":"caf\\u00e9 \\ud83d\\ude00 \\"q\\" \\\\"}',
    "subscribe-utf8-topic": '{"action":"subscribe","data":"caf\u00e9 \u4e2d\u6587 \U0001F600"}',
    "subscribe-escaped-key": '{"\\u0061ction":"subscribe","d\\u0061ta":"news"}',
    "subscribe-long-topic": '{"action":"subscribe","data":"' + "x" * 256 + '"}',
    "subscribe-too-long-topic": '{"action":"subscribe","data":"' + "x" * 257 + '"}',
    "subscribe-empty-topic": '{"action":"subscribe","data":""}',
    "subscribe-number-topic": '{"action":"subscribe","data":42}',
    "subscribe-lone-surrogate": '{"action":"subscribe","data":"\\ud800"}',
    "subscribe-control-char-topic": '{"action":"subscribe","data":"a\\u0001b"}',
    "unknown-action": '{"action":"dance","data":"x"}',
    "action-not-string": '{"action":["subscribe"],"data":"x"}',
    "duplicate-action": '{"action":"subscribe","action":"publish","topic":"t","data":"d"}',
    "hello": '{"action":"hello","token":"abc","version":2}',
    "resume": '{"action":"resume","token":"3f1c0a9e5b7d4c2a8e6f0b1d9c7a5e3f","since":{"news":[1763,456789,123456]}}',
    "subscribe-since": '{"action":"subscribe","data":"news","since":{"position":"17","epoch":"e1"}}',
    "deep-63": '{"action":"publish","topic":"t","data":' + "[" * 62 + "]" * 62 + '}',
    "deep-65": '{"action":"publish","topic":"t","data":' + "[" * 65 + "]" * 65 + '}',
    "trailing-garbage": '{"action":"subscribe","data":"news"}x',
    "two-objects": '{"action":"subscribe","data":"a"}{"action":"subscribe","data":"b"}',
    "truncated": '{"action":"publish","topic":"t","data":{"a":',
    "array": '[{"action":"subscribe","data":"news"}]',
    "comment": '{"action":"subscribe",/* c */"data":"news"}',
    "numbers": '{"action":"publish","topic":"n","event":-0,"message_id":1e999,"data":[123456789012345678901234567890,0.000001,-1E-7]}',
    "publish-body": '{"topic":"news","event":"created","message_id":42,"data":{"id":7}}',
}
for name, text in commands.items():
    write("command", name, text)
# Regressions found by the fuzzer (docs/fuzzing.md).
write("command", "regression-lone-surrogate-key", '{"\\udc00\\udc00":1,"action":"subscribe","data":"t"}')
write("command", "regression-lone-surrogate-action", '{"action":"\\ud800\\ud800\\ud800","data":"t"}')
write("command", "invalid-utf8-in-string", b'{"action":"publish","topic":"t","data":"\xff\xfe"}')
write("command", "overlong-utf8", b'{"action":"subscribe","data":"\xc0\xaf"}')
write("command", "encoded-surrogate", b'{"action":"subscribe","data":"\xed\xa0\x80"}')

tcp = {
    "regular-socket-then-subscribe": b"<regular-socket/>\0" + commands["subscribe"].encode() + b"\0",
    "policy-file-request": b"<policy-file-request/>\0",
    "ping-pong": b"PING\0PONG\0",
    "publish-frame-and-body": b"PUBLISH\0" + commands["publish-body"].encode() + b"\0",
    "publish-body-without-nul": b"PUBLISH\0" + commands["publish-body"].encode(),
    "empty-frames": b"\0\0\0",
    "pipelined-subscribes": b"".join(('{"action":"subscribe","data":"t%d"}\0' % i).encode() for i in range(20)),
    "whitespace-before-json": b" \r\n\t" + commands["subscribe"].encode() + b"\0",
    "unterminated": commands["publish"].encode(),
    "garbage": b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\0",
    "binary": bytes(range(256)),
    "nul-inside-json": b'{"action":"subscribe",\0"data":"news"}\0',
    "long-frame": b'{"action":"publish","topic":"t","data":"' + b"y" * 4000 + b'"}\0',
}
for name, data in tcp.items():
    write("tcp", name, data)

def ws_frame(opcode, payload, fin=True, masked=True, key=b"\x37\xfa\x21\x3d", rsv=0, length_code=None, declared=None):
    n = len(payload) if declared is None else declared
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    if length_code is None:
        length_code = 0 if n <= 125 else 1 if n <= 0xFFFF else 2
    mask_bit = 0x80 if masked else 0
    if length_code == 0:
        header = bytes([first, mask_bit | n])
    elif length_code == 1:
        header = bytes([first, mask_bit | 126]) + struct.pack(">H", n)
    else:
        header = bytes([first, mask_bit | 127]) + struct.pack(">Q", n)
    if masked:
        header += key
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return header + payload

sub = commands["subscribe"].encode()
ws = {
    "text-subscribe": ws_frame(1, sub),
    "text-hello-rfc": ws_frame(1, b"Hello"),
    "text-126": ws_frame(1, b"a" * 126),
    "text-65535": ws_frame(1, b"b" * 300, length_code=1, declared=65535),
    "text-64bit-length": ws_frame(1, b"c" * 10, length_code=2, declared=10),
    "huge-declared-length": ws_frame(1, b"", length_code=2, declared=0xFFFFFFFFFFFFFFFF),
    "declared-2pow63": ws_frame(2, b"", length_code=2, declared=1 << 63),
    "fragmented": ws_frame(1, sub[:10], fin=False) + ws_frame(0, sub[10:20], fin=False) + ws_frame(9, b"ping in between") + ws_frame(0, sub[20:]),
    "ping": ws_frame(9, b"are you there"),
    "pong-empty": ws_frame(10, b""),
    "close-1000": ws_frame(8, struct.pack(">H", 1000) + b"bye"),
    "close-1-byte": ws_frame(8, b"\x03"),
    "close-bad-utf8": ws_frame(8, struct.pack(">H", 1001) + b"\xff"),
    "control-too-long": ws_frame(9, b"p" * 126),
    "unmasked": ws_frame(1, sub, masked=False),
    "rsv-bits": ws_frame(1, sub, rsv=7),
    "reserved-opcode": ws_frame(3, b"x") + ws_frame(0xB, b"y"),
    "binary": ws_frame(2, bytes(range(64))),
    "zero-key": ws_frame(1, sub, key=b"\0\0\0\0"),
    "header-only-2": b"\x81\xfe",
    "header-partial-64": b"\x81\xff\x00\x00\x00",
}
for name, data in ws.items():
    write("websocket", name, data)

http = {
    "one-message": commands["publish-body"],
    "topics": '{"topics":["news","audit"],"event":"created","message_id":42,"data":{"id":7}}',
    "array": '[{"topic":"news","data":1},{"topic":"news","data":2}]',
    "messages": '{"messages":[{"topic":"news","data":1},{"topics":["a","b"],"data":2}]}',
    "dashboard": '{"topic":"dashboard-test","event":"hello","message_id":1,"data":{"from":"curl"}}',
    "missing-topic": '{"event":"x"}',
    "topic-and-topics": '{"topic":"a","topics":["b"]}',
    "duplicate-topics-escaped": '{"topics":["a","\\u0061"],"data":1}',
    "empty-array": '[]',
    "empty-topics": '{"topics":[]}',
    "messages-not-array": '{"messages":{"topic":"a"}}',
    "scalar": '"just a string"',
    "topic-number": '{"topic":1}',
    "topic-long": '{"topic":"' + "z" * 600 + '"}',
    "big-data": '{"topic":"t","data":"' + "d" * 70000 + '"}',
    "nested-data": '{"topic":"t","data":' + "{\"a\":" * 40 + "1" + "}" * 40 + '}',
    "whitespace": ' { "topic" : "t" ,\n\t"data" : [ 1 , 2 ] } ',
    "bad-utf8-data": b'{"topic":"t","data":"\xff"}',
    "bad-utf8-topic": b'{"topic":"\xc3\x28"}',
    "surrogate-topic": '{"topic":"\\udc00"}',
}
# Regressions found by the fuzzer (docs/fuzzing.md).
http["regression-lone-surrogate-key"] = '{"topic":"a","\\ud800\\r":0}'
http["regression-bad-utf8-event"] = b'{"messages":[{"topic":"a","event":"ok"},{"topic":"a","event":"bad \xed\xa0\x80"}]}'
for name, data in http.items():
    write("http", name, data)
