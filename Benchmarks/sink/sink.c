/*
 * sink: a minimal loopback HTTP/1.1 webhook receiver for the dispatch benchmark.
 *
 *   cc -O2 -Wall -Wextra -o sink sink.c
 *   sink [--port N] [--delay-ms N] [--count-file PATH]
 *
 * Listens on 127.0.0.1 (port 0 = any free port), prints `PORT <n>` on stdout once listening, and answers every
 * request with `HTTP/1.1 200 OK` and an empty body, as fast as it can: one thread, epoll, keep-alive,
 * pipelining, bodies framed by Content-Length (chunked bodies are not supported: careline and wrk send
 * Content-Length). `--delay-ms N` holds each response N ms without blocking other connections: the delay is
 * the same for every request, so the pending responses form a FIFO ordered by due time and the epoll wait's
 * timeout (nanoseconds, epoll_pwait2) is the head's due time. On SIGTERM or SIGINT it writes `requests N`,
 * `ids N` (distinct `webhook-id` header values) and `body_bytes N` to the count file (if given), one per line,
 * and exits 0.
 *
 * Written for the benchmark only: it trusts its loopback clients, keeps every id in memory and never times out.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_REQUEST (1 << 20) /* headers + body of one request; larger ones get 413 and a close */
#define MAX_EVENTS 256

static const char RESPONSE[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
static const char CONTINUE[] = "HTTP/1.1 100 Continue\r\n\r\n";
static const char TOO_LARGE[] = "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
static const char BAD[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

static volatile sig_atomic_t stopping = 0;

static void on_signal(int signal_number) {
    (void)signal_number;
    stopping = 1;
}

static void fail(const char *what) {
    perror(what);
    exit(1);
}

static void *checked_realloc(void *pointer, size_t size) {
    void *result = realloc(pointer, size);
    if (result == NULL) fail("sink: realloc");
    return result;
}

/* ---- the set of distinct webhook-id values: open addressing, FNV-1a, grows at half full ---- */

static char **id_slots;
static size_t id_capacity; /* a power of two */
static size_t id_count;

static uint64_t hash_bytes(const char *bytes, size_t length) {
    uint64_t hash = 1469598103934665603ULL;
    for (size_t i = 0; i < length; i++) {
        hash ^= (unsigned char)bytes[i];
        hash *= 1099511628211ULL;
    }
    return hash;
}

static void id_set_place(char *stored, size_t length) {
    size_t mask = id_capacity - 1;
    size_t slot = (size_t)hash_bytes(stored, length) & mask;
    while (id_slots[slot] != NULL) slot = (slot + 1) & mask;
    id_slots[slot] = stored;
}

static void id_set_grow(void) {
    char **old = id_slots;
    size_t old_capacity = id_capacity;
    id_capacity = old_capacity ? old_capacity * 2 : 1 << 16;
    id_slots = calloc(id_capacity, sizeof *id_slots);
    if (id_slots == NULL) fail("sink: calloc");
    for (size_t i = 0; i < old_capacity; i++)
        if (old[i] != NULL) id_set_place(old[i], strlen(old[i]));
    free(old);
}

static void id_set_insert(const char *bytes, size_t length) {
    if ((id_count + 1) * 2 > id_capacity) id_set_grow();
    size_t mask = id_capacity - 1;
    size_t slot = (size_t)hash_bytes(bytes, length) & mask;
    while (id_slots[slot] != NULL) {
        if (strncmp(id_slots[slot], bytes, length) == 0 && id_slots[slot][length] == '\0') return;
        slot = (slot + 1) & mask;
    }
    char *stored = malloc(length + 1);
    if (stored == NULL) fail("sink: malloc");
    memcpy(stored, bytes, length);
    stored[length] = '\0';
    id_slots[slot] = stored;
    id_count++;
}

/* ---- connections ---- */

typedef struct {
    int open;
    unsigned generation; /* tells a delayed response whether its connection is still the same one */
    char *in;            /* bytes read and not yet consumed */
    size_t in_length, in_capacity;
    char *out; /* response bytes the socket did not take yet */
    size_t out_length, out_capacity;
    int close_after; /* close once `out` is written (a 4xx answer or `Connection: close`) */
    int want_out;    /* EPOLLOUT is registered */
    int continued;   /* a 100 Continue was sent for the request at the head of `in` */
} Connection;

static Connection *connections;
static size_t connection_capacity;
static int epoll_fd;
static unsigned long long requests;
static unsigned long long body_bytes;

static Connection *connection_for(int fd) {
    if ((size_t)fd >= connection_capacity) {
        size_t capacity = connection_capacity ? connection_capacity : 1024;
        while (capacity <= (size_t)fd) capacity *= 2;
        connections = checked_realloc(connections, capacity * sizeof *connections);
        memset(connections + connection_capacity, 0, (capacity - connection_capacity) * sizeof *connections);
        connection_capacity = capacity;
    }
    return &connections[fd];
}

static void close_connection(int fd) {
    Connection *connection = &connections[fd];
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, NULL);
    close(fd);
    connection->open = 0;
    connection->generation++;
    connection->in_length = 0;
    connection->out_length = 0;
    connection->close_after = 0;
    connection->want_out = 0;
    connection->continued = 0;
}

static void set_want_out(int fd, Connection *connection, int want) {
    if (connection->want_out == want) return;
    struct epoll_event event = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.fd = fd};
    epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &event);
    connection->want_out = want;
}

/* Writes what is buffered; returns 0 when the connection was closed. */
static int flush_out(int fd, Connection *connection) {
    size_t written = 0;
    while (written < connection->out_length) {
        ssize_t n = write(fd, connection->out + written, connection->out_length - written);
        if (n > 0) {
            written += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        } else {
            close_connection(fd);
            return 0;
        }
    }
    memmove(connection->out, connection->out + written, connection->out_length - written);
    connection->out_length -= written;
    if (connection->out_length == 0 && connection->close_after) {
        close_connection(fd);
        return 0;
    }
    set_want_out(fd, connection, connection->out_length > 0);
    return 1;
}

/* Queues bytes behind anything still buffered and tries to write; returns 0 when the connection was closed. */
static int send_bytes(int fd, Connection *connection, const char *bytes, size_t length) {
    if (connection->out_length + length > connection->out_capacity) {
        connection->out_capacity = (connection->out_length + length) * 2;
        connection->out = checked_realloc(connection->out, connection->out_capacity);
    }
    memcpy(connection->out + connection->out_length, bytes, length);
    connection->out_length += length;
    return flush_out(fd, connection);
}

/* ---- delayed responses: a FIFO ring, ordered by due time because the delay is constant ---- */

typedef struct {
    int fd;
    unsigned generation;
    int close_after;
    long long due_ns;
} Pending;

static Pending *pending;
static size_t pending_capacity, pending_head, pending_count;
static long long delay_ns;

static long long now_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
}

static void pending_push(Pending item) {
    if (pending_count == pending_capacity) {
        size_t capacity = pending_capacity ? pending_capacity * 2 : 1024;
        Pending *ring = malloc(capacity * sizeof *ring);
        if (ring == NULL) fail("sink: malloc");
        for (size_t i = 0; i < pending_count; i++) ring[i] = pending[(pending_head + i) % pending_capacity];
        free(pending);
        pending = ring;
        pending_capacity = capacity;
        pending_head = 0;
    }
    pending[(pending_head + pending_count) % pending_capacity] = item;
    pending_count++;
}

/* Answers every delayed request that is due; returns the ns until the next is due (-1: nothing pending). */
static long long answer_due(void) {
    long long now = now_ns();
    while (pending_count > 0) {
        Pending *head = &pending[pending_head];
        if (head->due_ns > now) return head->due_ns - now;
        Pending item = *head;
        pending_head = (pending_head + 1) % pending_capacity;
        pending_count--;
        Connection *connection = &connections[item.fd];
        if (!connection->open || connection->generation != item.generation) continue;
        if (item.close_after) connection->close_after = 1;
        send_bytes(item.fd, connection, RESPONSE, sizeof RESPONSE - 1);
    }
    return -1;
}

/* epoll_wait with a nanosecond timeout (epoll_pwait2, Linux 5.11) so a 2 ms delay is 2 ms, not 3; falls back to
 * epoll_wait's whole milliseconds, rounded up, on older kernels. */
static int wait_for_events(struct epoll_event *events, int capacity, long long timeout_ns) {
    static int have_pwait2 = 1;
    if (timeout_ns < 0) return epoll_wait(epoll_fd, events, capacity, -1);
    if (have_pwait2) {
        struct timespec timeout = {.tv_sec = timeout_ns / 1000000000LL, .tv_nsec = timeout_ns % 1000000000LL};
        int ready = epoll_pwait2(epoll_fd, events, capacity, &timeout, NULL);
        if (ready >= 0 || errno != ENOSYS) return ready;
        have_pwait2 = 0;
    }
    long long timeout_ms = (timeout_ns + 999999) / 1000000;
    return epoll_wait(epoll_fd, events, capacity, timeout_ms > 1000 ? 1000 : (int)timeout_ms);
}

/* ---- parsing ---- */

/* The value of header `name` in the header block [headers, end), trimmed; NULL when absent. */
static const char *header_value(const char *headers, const char *end, const char *name, size_t *length) {
    size_t name_length = strlen(name);
    const char *line = memchr(headers, '\n', (size_t)(end - headers)); /* skip the request line */
    while (line != NULL && line < end) {
        line++;
        const char *line_end = memchr(line, '\n', (size_t)(end - line));
        if (line_end == NULL) line_end = end;
        if ((size_t)(line_end - line) > name_length && line[name_length] == ':' &&
            strncasecmp(line, name, name_length) == 0) {
            const char *value = line + name_length + 1;
            const char *value_end = line_end;
            while (value < value_end && (*value == ' ' || *value == '\t')) value++;
            while (value_end > value && (value_end[-1] == '\r' || value_end[-1] == ' ' || value_end[-1] == '\t'))
                value_end--;
            *length = (size_t)(value_end - value);
            return value;
        }
        line = line_end;
    }
    return NULL;
}

/* Handles every complete request in the connection's buffer; returns 0 when the connection was closed. */
static int handle_requests(int fd, Connection *connection) {
    size_t consumed = 0;
    int alive = 1;
    while (alive) {
        char *start = connection->in + consumed;
        size_t available = connection->in_length - consumed;
        char *blank = memmem(start, available, "\r\n\r\n", 4);
        if (blank == NULL) {
            if (available > MAX_REQUEST) {
                connection->close_after = 1;
                alive = send_bytes(fd, connection, TOO_LARGE, sizeof TOO_LARGE - 1);
            }
            break;
        }
        size_t header_length = (size_t)(blank - start) + 4;
        size_t value_length;
        unsigned long long content_length = 0;
        const char *value = header_value(start, blank + 2, "content-length", &value_length);
        if (value != NULL) {
            char number[24];
            if (value_length == 0 || value_length >= sizeof number) {
                connection->close_after = 1;
                alive = send_bytes(fd, connection, BAD, sizeof BAD - 1);
                break;
            }
            memcpy(number, value, value_length);
            number[value_length] = '\0';
            char *number_end;
            content_length = strtoull(number, &number_end, 10);
            if (*number_end != '\0') {
                connection->close_after = 1;
                alive = send_bytes(fd, connection, BAD, sizeof BAD - 1);
                break;
            }
        }
        if (content_length > MAX_REQUEST) {
            connection->close_after = 1;
            alive = send_bytes(fd, connection, TOO_LARGE, sizeof TOO_LARGE - 1);
            break;
        }
        if (available < header_length + content_length) {
            size_t expect_length;
            const char *expect = header_value(start, blank + 2, "expect", &expect_length);
            if (expect != NULL && !connection->continued && expect_length == 12 &&
                strncasecmp(expect, "100-continue", 12) == 0) {
                connection->continued = 1;
                alive = send_bytes(fd, connection, CONTINUE, sizeof CONTINUE - 1);
            }
            break;
        }
        requests++;
        body_bytes += content_length;
        const char *id = header_value(start, blank + 2, "webhook-id", &value_length);
        if (id != NULL) id_set_insert(id, value_length);
        const char *connection_header = header_value(start, blank + 2, "connection", &value_length);
        int close_after = connection_header != NULL && value_length == 5 &&
                          strncasecmp(connection_header, "close", 5) == 0;
        consumed += header_length + (size_t)content_length;
        connection->continued = 0;
        if (delay_ns > 0) {
            pending_push((Pending){fd, connection->generation, close_after, now_ns() + delay_ns});
        } else {
            if (close_after) connection->close_after = 1;
            alive = send_bytes(fd, connection, RESPONSE, sizeof RESPONSE - 1);
        }
    }
    if (alive) {
        memmove(connection->in, connection->in + consumed, connection->in_length - consumed);
        connection->in_length -= consumed;
    }
    return alive;
}

static void read_from(int fd) {
    Connection *connection = &connections[fd];
    for (;;) {
        if (connection->in_capacity - connection->in_length < 4096) {
            connection->in_capacity = connection->in_capacity ? connection->in_capacity * 2 : 16384;
            connection->in = checked_realloc(connection->in, connection->in_capacity);
        }
        ssize_t n = read(fd, connection->in + connection->in_length, connection->in_capacity - connection->in_length);
        if (n > 0) {
            connection->in_length += (size_t)n;
            if (!handle_requests(fd, connection)) return;
            if ((size_t)n < 4096) return; /* the socket is most likely drained; level-triggered epoll says if not */
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        } else {
            close_connection(fd); /* end of stream or an error */
            return;
        }
    }
}

static void accept_all(int listener) {
    for (;;) {
        int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED) perror("sink: accept4");
            return;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        Connection *connection = connection_for(fd);
        connection->open = 1;
        connection->in_length = connection->out_length = 0;
        connection->close_after = connection->want_out = connection->continued = 0;
        struct epoll_event event = {.events = EPOLLIN, .data.fd = fd};
        if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) < 0) {
            perror("sink: epoll_ctl");
            close(fd);
            connection->open = 0;
        }
    }
}

static void write_counts(const char *path) {
    if (path == NULL) return;
    FILE *file = fopen(path, "w");
    if (file == NULL) fail("sink: --count-file");
    fprintf(file, "requests %llu\nids %zu\nbody_bytes %llu\n", requests, id_count, body_bytes);
    if (fclose(file) != 0) fail("sink: --count-file");
}

static long parse_number(const char *option, const char *text, long max) {
    char *end;
    errno = 0;
    long value = text ? strtol(text, &end, 10) : -1;
    if (text == NULL || errno != 0 || *end != '\0' || value < 0 || value > max) {
        fprintf(stderr, "sink: %s takes a whole number from 0 to %ld\n", option, max);
        exit(64);
    }
    return value;
}

int main(int argc, char **argv) {
    long port = 0, delay_ms = 0;
    const char *count_file = NULL;
    for (int i = 1; i < argc; i++) {
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--port") == 0) {
            port = parse_number("--port", next, 65535);
            i++;
        } else if (strcmp(argv[i], "--delay-ms") == 0) {
            delay_ms = parse_number("--delay-ms", next, 60000);
            i++;
        } else if (strcmp(argv[i], "--count-file") == 0 && next != NULL) {
            count_file = next;
            i++;
        } else {
            fprintf(stderr, "usage: sink [--port N] [--delay-ms N] [--count-file PATH]\n");
            return 64;
        }
    }
    delay_ns = delay_ms * 1000000LL;

    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal; /* no SA_RESTART: epoll_wait returns EINTR */
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    signal(SIGPIPE, SIG_IGN);

    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listener < 0) fail("sink: socket");
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener, (struct sockaddr *)&address, sizeof address) < 0) fail("sink: bind");
    if (listen(listener, 1024) < 0) fail("sink: listen");
    socklen_t address_length = sizeof address;
    if (getsockname(listener, (struct sockaddr *)&address, &address_length) < 0) fail("sink: getsockname");

    epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd < 0) fail("sink: epoll_create1");
    struct epoll_event listen_event = {.events = EPOLLIN, .data.fd = listener};
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listener, &listen_event) < 0) fail("sink: epoll_ctl");

    printf("PORT %u\n", (unsigned)ntohs(address.sin_port));
    fflush(stdout);

    struct epoll_event events[MAX_EVENTS];
    long long timeout_ns = -1;
    while (!stopping) {
        int ready = wait_for_events(events, MAX_EVENTS, timeout_ns);
        if (ready < 0) {
            if (errno == EINTR) continue;
            fail("sink: epoll_wait");
        }
        for (int i = 0; i < ready; i++) {
            int fd = events[i].data.fd;
            if (fd == listener) {
                accept_all(listener);
                continue;
            }
            Connection *connection = &connections[fd];
            if (!connection->open) continue;
            if ((events[i].events & EPOLLOUT) && !flush_out(fd, connection)) continue;
            if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) read_from(fd);
        }
        timeout_ns = delay_ns > 0 ? answer_due() : -1;
    }
    write_counts(count_file);
    return 0;
}
