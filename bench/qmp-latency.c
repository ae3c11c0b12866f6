/*
 * bench/qmp-latency.c — QMP round-trip latency, one client, one command
 * sent N times in sequence (each sent once the previous reply has arrived).
 *
 *   qmp-latency [-n N] [-c COMMAND] [-l LABEL] [-o FILE] [-a SHELL-CMD] [-q] SOCKET
 *
 * Connects to the unix socket SOCKET, reads the greeting, sends
 * qmp_capabilities, then {"execute":"COMMAND"} N times (default 1000,
 * default command query-status) and prints one line:
 *
 *   LABEL cmd=COMMAND n=N reply-bytes=B median-us=.. p10-us=.. p90-us=..
 *   p99-us=.. min-us=.. max-us=..
 *
 * A round trip is from before the write() of the command to the arrival of
 * the reply's final newline (CLOCK_MONOTONIC). Event lines between are
 * skipped; an "error" reply fails the run. -o FILE keeps the last reply. With -a, SHELL-CMD runs through
 * system() after the measurement, while the connection is still open (the
 * bench reads the VMM's smaps there); with -q, "quit" is sent last (its
 * return or the VMM closing the connection ends the run).
 * Exit 0 on success, 1 on any failure (a message on stderr).
 * Plain sockets; no JSON parsing beyond the start of each reply line.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static char *buf;
static size_t buf_len, buf_cap, buf_start;

static void die(const char *what)
{
    fprintf(stderr, "qmp-latency: %s%s%s\n", what, errno ? ": " : "",
            errno ? strerror(errno) : "");
    exit(1);
}

/* The next line from fd (without its newline), in buf; NULL at EOF. */
static char *read_line(int fd, size_t *len)
{
    for (;;) {
        char *nl = memchr(buf + buf_start, '\n', buf_len - buf_start);
        if (nl) {
            char *line = buf + buf_start;
            *nl = '\0';
            *len = (size_t)(nl - line);
            buf_start = (size_t)(nl - buf) + 1;
            return line;
        }
        if (buf_start > 0) {
            memmove(buf, buf + buf_start, buf_len - buf_start);
            buf_len -= buf_start;
            buf_start = 0;
        }
        if (buf_cap - buf_len < 65536) {
            buf_cap = buf_cap * 2 + 65536;
            buf = realloc(buf, buf_cap);
            if (!buf) {
                die("out of memory");
            }
        }
        ssize_t n = read(fd, buf + buf_len, buf_cap - buf_len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return NULL;
        }
        buf_len += (size_t)n;
    }
}

static void send_all(int fd, const char *s, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, s, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            die("write to the QMP socket");
        }
        s += n;
        len -= (size_t)n;
    }
}

/* The reply line: the next line that is not an event. */
static char *reply(int fd, const char *cmd, size_t *len)
{
    for (;;) {
        char *line = read_line(fd, len);
        if (!line) {
            errno = 0;
            fprintf(stderr, "qmp-latency: %s: the monitor closed the connection\n", cmd);
            exit(1);
        }
        if (strncmp(line, "{\"event\"", 8) == 0) {
            continue;
        }
        if (strncmp(line, "{\"return\"", 9) != 0) {
            fprintf(stderr, "qmp-latency: %s: not a return: %.200s\n", cmd, line);
            exit(1);
        }
        return line;
    }
}

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v[0..n). */
static double pct(const double *v, long n, double p)
{
    long k = (long)(p / 100.0 * (double)n + 0.999999);
    if (k < 1) {
        k = 1;
    }
    return v[(k > n ? n : k) - 1];
}

static void usage(void)
{
    fprintf(stderr, "usage: qmp-latency [-n N] [-c COMMAND] [-l LABEL] [-o FILE] [-a SHELL-CMD] [-q] SOCKET\n");
    exit(2);
}

int main(int argc, char **argv)
{
    long n = 1000;
    const char *cmd = "query-status", *label = "qmp-latency", *after = NULL, *out = NULL;
    int quit = 0, opt;
    while ((opt = getopt(argc, argv, "n:c:l:o:a:q")) != -1) {
        char *end;
        switch (opt) {
        case 'n':
            n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 10000000) {
                fprintf(stderr, "qmp-latency: -n must be 1..10000000, not %s\n", optarg);
                return 2;
            }
            break;
        case 'c': cmd = optarg; break;
        case 'l': label = optarg; break;
        case 'o': out = optarg; break;
        case 'a': after = optarg; break;
        case 'q': quit = 1; break;
        default: usage();
        }
    }
    if (optind != argc - 1 || strchr(cmd, '"') || strchr(cmd, '\\')) {
        usage();
    }
    const char *path = argv[optind];
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "qmp-latency: socket path too long: %s\n", path);
        return 2;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        fprintf(stderr, "qmp-latency: connect %s: %s\n", path, strerror(errno));
        return 1;
    }
    size_t len;
    char *line = read_line(fd, &len);
    if (!line || strncmp(line, "{\"QMP\"", 6) != 0) {
        errno = 0;
        die("no QMP greeting");
    }
    static const char caps[] = "{\"execute\":\"qmp_capabilities\"}\n";
    send_all(fd, caps, sizeof(caps) - 1);
    reply(fd, "qmp_capabilities", &len);

    char msg[256];
    int mlen = snprintf(msg, sizeof(msg), "{\"execute\":\"%s\"}\n", cmd);
    if (mlen < 0 || (size_t)mlen >= sizeof(msg)) {
        usage();
    }
    double *rtt = malloc((size_t)n * sizeof(*rtt));
    if (!rtt) {
        die("out of memory");
    }
    size_t reply_bytes = 0;
    char *last = NULL;
    for (long i = 0; i < n; i++) {
        double t0 = now_us();
        send_all(fd, msg, (size_t)mlen);
        last = reply(fd, cmd, &len);
        rtt[i] = now_us() - t0;
        reply_bytes = len + 1 - (len > 0 && buf[buf_start - 2] == '\r');
    }
    if (out) {
        FILE *f = fopen(out, "w");
        if (!f || fprintf(f, "%s\n", last) < 0 || fclose(f) != 0) {
            die(out);
        }
    }
    qsort(rtt, (size_t)n, sizeof(*rtt), cmp_double);
    printf("%s cmd=%s n=%ld reply-bytes=%zu median-us=%.1f p10-us=%.1f p90-us=%.1f "
           "p99-us=%.1f min-us=%.1f max-us=%.1f\n", label, cmd, n, reply_bytes,
           pct(rtt, n, 50), pct(rtt, n, 10), pct(rtt, n, 90), pct(rtt, n, 99),
           rtt[0], rtt[n - 1]);
    fflush(stdout);
    free(rtt);
    if (after) {
        int rc = system(after);
        if (rc != 0) {
            fprintf(stderr, "qmp-latency: -a command exited %d\n", rc);
        }
    }
    if (quit) {
        static const char q[] = "{\"execute\":\"quit\"}\n";
        send_all(fd, q, sizeof(q) - 1);
        /* its return, or the VMM closes the connection as it exits
         * (QEMU may do so before the return reaches us): both are fine */
        while ((line = read_line(fd, &len)) && strncmp(line, "{\"return\"", 9) != 0) {
        }
    }
    close(fd);
    free(buf);
    return 0;
}
