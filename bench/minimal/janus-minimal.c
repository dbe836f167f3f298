// janus-minimal: the Janus TCP protocol in the fewest syscalls we know how to write, as a yardstick for bench/run.
//
// What it answers: how fast can *any* server set up and feed janus-bot's clients on this machine? Janus and Redis
// speak different protocols (Janus: greeting, PING, subscribe, ACK, two round trips; Redis: SUBSCRIBE and its reply,
// one), so "Janus vs Redis" mixes the server's cost with the protocol's. This server has no runtime, no thread hop,
// no allocation per connection and no checks beyond what the bot needs, so its figures are the protocol's cost.
//
// One thread, one epoll set, level-triggered. Per client: accept4, epoll_ctl, the greeting (one send); PING and PONG
// are read and dropped; each subscribe gets "ACK" in its own send. A publisher's body (PUBLISH NUL {json}, ended by
// NUL, by the end of the JSON object or by end of stream) is stamped once and appended to its topic's buffer for this
// loop pass; after the pass each subscriber gets everything in one send (the coalescing Janus and Redis do), and
// what a full socket refuses waits in that client's backlog for EPOLLOUT. The publisher is closed after its publish,
// as the original Janus did.
//
// Not a server to run for anyone: no limits, no heartbeat, no sessions, no unsubscribe, trusts its input. Loopback
// only (it binds 127.0.0.1). Build: cc -O2 -o janus-minimal janus-minimal.c    Run: ./janus-minimal PORT
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_FDS 65536
#define MAX_TOPICS 1024
#define READ_SIZE 65536

typedef struct {
    char *data;
    size_t len, cap;
} buf_t;

typedef struct {
    buf_t in;        // bytes of an unfinished frame
    buf_t out;       // what a full socket refused, in order
    int topic;       // subscribed topic + 1 (0: none); the bot subscribes once
    int publishing;  // 1 after a PUBLISH frame: the rest is its body
    int open;
} client_t;

typedef struct {
    char name[128];
    size_t name_len;
    int *subs;
    size_t nsubs, cap;
    buf_t pass;      // messages published to this topic during the current loop pass
} topic_t;

static client_t clients[MAX_FDS];
static topic_t topics[MAX_TOPICS];
static int ntopics;
static int dirty[MAX_TOPICS];
static int ndirty;
static int epfd;

static void append(buf_t *b, const void *p, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + n) cap *= 2;
        b->data = realloc(b->data, cap);
        if (!b->data) { perror("realloc"); exit(1); }
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void consume(buf_t *b, size_t n) {
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

static void release(buf_t *b) {
    free(b->data);
    memset(b, 0, sizeof *b);
}

static int topic_index(const char *name, size_t len, int create) {
    for (int i = 0; i < ntopics; i++)
        if (topics[i].name_len == len && memcmp(topics[i].name, name, len) == 0) return i;
    if (!create || ntopics == MAX_TOPICS || len >= sizeof topics[0].name) return -1;
    topic_t *t = &topics[ntopics];
    memcpy(t->name, name, len);
    t->name_len = len;
    return ntopics++;
}

// The value of "key":"..." inside a JSON object, raw (escapes kept, which is how the topic is compared anyway).
static int json_string(const char *json, size_t len, const char *key, const char **value, size_t *value_len) {
    char pattern[32];
    int n = snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *p = memmem(json, len, pattern, (size_t)n);
    if (!p) return 0;
    p += n;
    const char *end = json + len;
    const char *q = p;
    while (q < end && *q != '"') q += (*q == '\\') ? 2 : 1;
    if (q >= end) return 0;
    *value = p;
    *value_len = (size_t)(q - p);
    return 1;
}

// Where the JSON object starting at p ends (one past its closing brace), or 0 while it is incomplete.
static size_t json_object_end(const char *p, size_t len) {
    int depth = 0, in_string = 0;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (in_string) {
            if (c == '\\') i++;
            else if (c == '"') in_string = 0;
        } else if (c == '"') in_string = 1;
        else if (c == '{' || c == '[') depth++;
        else if ((c == '}' || c == ']') && --depth == 0) return i + 1;
    }
    return 0;
}

static void send_all(int fd, const char *p, size_t n) {
    client_t *c = &clients[fd];
    if (c->out.len == 0) {
        ssize_t sent = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent < 0) sent = (errno == EAGAIN) ? 0 : (ssize_t)n;  // a dead peer: its read side will close it
        if ((size_t)sent == n) return;
        p += sent;
        n -= (size_t)sent;
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.fd = fd};
        epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
    }
    append(&c->out, p, n);
}

static void flush_backlog(int fd) {
    client_t *c = &clients[fd];
    while (c->out.len > 0) {
        ssize_t sent = send(fd, c->out.data, c->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent <= 0) {
            if (sent < 0 && errno == EAGAIN) return;
            c->out.len = 0;
            break;
        }
        consume(&c->out, (size_t)sent);
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
    epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
}

static void close_client(int fd) {
    client_t *c = &clients[fd];
    if (c->topic) {
        topic_t *t = &topics[c->topic - 1];
        for (size_t i = 0; i < t->nsubs; i++)
            if (t->subs[i] == fd) { t->subs[i] = t->subs[--t->nsubs]; break; }
    }
    release(&c->in);
    release(&c->out);
    memset(c, 0, sizeof *c);
    close(fd);
}

// The start of a message: {"timestamp":[MegaSecs,Secs,MicroSecs], with the Erlang split of the wall clock.
static void stamp(char *out, size_t size, int *len) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    *len = snprintf(out, size, "{\"timestamp\":[%ld,%ld,%ld],", (long)(tv.tv_sec / 1000000), (long)(tv.tv_sec % 1000000),
                    (long)tv.tv_usec);
}

static void publish(const char *body, size_t len) {
    const char *name;
    size_t name_len;
    if (len < 2 || body[0] != '{' || !json_string(body, len, "topic", &name, &name_len)) return;
    int ti = topic_index(name, name_len, 0);
    if (ti < 0 || topics[ti].nsubs == 0) return;
    char head[64];
    int head_len;
    stamp(head, sizeof head, &head_len);
    topic_t *t = &topics[ti];
    if (t->pass.len == 0) dirty[ndirty++] = ti;
    append(&t->pass, head, (size_t)head_len);
    append(&t->pass, body + 1, len - 1);  // the body's own keys, in its order, after the timestamp
    append(&t->pass, "\x01", 1);
}

static void greet(int fd) {
    char b[160];
    int n;
    stamp(b, sizeof b, &n);
    unsigned r1 = (unsigned)random(), r2 = (unsigned)random(), r3 = (unsigned)random();
    n += snprintf(b + n, sizeof b - (size_t)n, "\"token\":\"%08x%08x%08x%08x\"}\x01", r1, r2, r3, (unsigned)fd);
    send_all(fd, b, (size_t)n);
}

// Handles every complete frame in data; returns how many bytes it used, or -1 when the client is to be closed.
static ssize_t handle_frames(int fd, const char *data, size_t len, int at_end) {
    client_t *c = &clients[fd];
    size_t off = 0;
    while (off < len) {
        if (c->publishing) {
            const char *body = data + off;
            size_t avail = len - off;
            const char *nul = memchr(body, 0, avail);
            size_t body_len = nul ? (size_t)(nul - body) : json_object_end(body, avail);
            if (!nul && body_len == 0 && !at_end) return (ssize_t)off;
            if (!nul && body_len == 0) body_len = avail;
            publish(body, body_len);
            return -1;  // the original closed a publisher after its publish
        }
        const char *frame = data + off;
        const char *nul = memchr(frame, 0, len - off);
        if (!nul) break;
        size_t n = (size_t)(nul - frame);
        off += n + 1;
        if (n == 17 && memcmp(frame, "<regular-socket/>", 17) == 0) continue;
        if (n == 4 && (memcmp(frame, "PING", 4) == 0 || memcmp(frame, "PONG", 4) == 0)) continue;
        if (n == 7 && memcmp(frame, "PUBLISH", 7) == 0) { c->publishing = 1; continue; }
        const char *action, *name;
        size_t action_len, name_len;
        if (json_string(frame, n, "action", &action, &action_len) && action_len == 9 && memcmp(action, "subscribe", 9) == 0 &&
            json_string(frame, n, "data", &name, &name_len)) {
            int ti = topic_index(name, name_len, 1);
            if (ti < 0) return -1;
            if (!c->topic) {
                topic_t *t = &topics[ti];
                if (t->nsubs == t->cap) {
                    t->cap = t->cap ? t->cap * 2 : 1024;
                    t->subs = realloc(t->subs, t->cap * sizeof(int));
                    if (!t->subs) { perror("realloc"); exit(1); }
                }
                t->subs[t->nsubs++] = fd;
                c->topic = ti + 1;
            }
            send_all(fd, "ACK\x01", 4);
        }
    }
    return (ssize_t)off;
}

static void on_readable(int fd, char *buf) {
    client_t *c = &clients[fd];
    size_t have = c->in.len;
    if (have > READ_SIZE + 65536) { close_client(fd); return; }  // a frame that never ends: the bot never sends one
    if (have) memcpy(buf, c->in.data, have);
    ssize_t r = recv(fd, buf + have, READ_SIZE, 0);
    if (r < 0 && errno == EAGAIN) return;
    int at_end = r <= 0;
    size_t len = have + (r > 0 ? (size_t)r : 0);
    ssize_t used = handle_frames(fd, buf, len, at_end);
    if (used < 0 || at_end) { close_client(fd); return; }
    c->in.len = 0;
    if ((size_t)used < len) append(&c->in, buf + used, len - (size_t)used);
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s PORT\n", argv[0]); return 2; }
    signal(SIGPIPE, SIG_IGN);
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(ls, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // inherited by every accepted socket
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1])), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(ls, (struct sockaddr *)&addr, sizeof addr) || listen(ls, 4096)) { perror("bind/listen"); return 1; }
    epfd = epoll_create1(0);
    struct epoll_event lev = {.events = EPOLLIN, .data.fd = ls};
    epoll_ctl(epfd, EPOLL_CTL_ADD, ls, &lev);
    static struct epoll_event events[1024];
    static char buf[2 * READ_SIZE + 65536];
    for (;;) {
        int n = epoll_wait(epfd, events, 1024, -1);
        if (n < 0) { if (errno == EINTR) continue; perror("epoll_wait"); return 1; }
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == ls) {
                int s;
                while ((s = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    if (s >= MAX_FDS) { close(s); continue; }
                    clients[s].open = 1;
                    struct epoll_event ev = {.events = EPOLLIN, .data.fd = s};
                    epoll_ctl(epfd, EPOLL_CTL_ADD, s, &ev);
                    greet(s);
                }
                continue;
            }
            if (!clients[fd].open) continue;
            if (events[i].events & EPOLLOUT) flush_backlog(fd);
            if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(fd, buf);
        }
        // After the pass: each topic's messages go to each subscriber in one send.
        for (int d = 0; d < ndirty; d++) {
            topic_t *t = &topics[dirty[d]];
            for (size_t k = 0; k < t->nsubs; k++) send_all(t->subs[k], t->pass.data, t->pass.len);
            t->pass.len = 0;
        }
        ndirty = 0;
    }
}
