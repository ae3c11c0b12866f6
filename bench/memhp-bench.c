/*
 * bench/memhp-bench.c — the test-host half of bench/hotplug-vs-qemu: times
 * memory hotplug through QMP against what the guest reports.
 *
 *   memhp-bench [-r ROUNDS] [-l LABEL] SOCKET MAILBOX BLOCK
 *
 * MAILBOX is the backing file of the guest's label-less NVDIMM; the guest's
 * bench/memhp-total writes "memhp-total kb=KB seq=N" into its 4 KiB block
 * BLOCK whenever its total RAM changes. memhp-bench connects to the QMP
 * unix socket SOCKET, negotiates, reads the guest's starting total, and
 * per round (default 3):
 *   add1: object-add memory-backend-ram (1 GiB, not timed), then from the
 *         write() of device_add pc-dimm to the first mailbox read showing
 *         the total grown by 1 GiB (all 8 blocks online); also the QMP
 *         reply's arrival (add1-reply);
 *   del1: from the write() of device_del to DEVICE_DELETED (del1), and to
 *         the first mailbox read showing the total back where it was
 *         (del1-guest; both watched at once); object-del;
 *   add8: 8 backends added (not timed), then from the first device_add to
 *         the total grown by 8 GiB, the 8 device_adds sent one after the
 *         other (each once the previous reply came);
 *   del8: from the first of 8 device_dels to the 8th DEVICE_DELETED, and to
 *         the total back (del8-guest); object-del x8.
 * One line per round:
 *   LABEL round=R add1-ms= add1-reply-ms= del1-ms= del1-guest-ms= add8-ms=
 *   del8-ms= del8-guest-ms=
 * then "quit" is sent. The mailbox is polled every 0.5 ms, the guest polls
 * its total every 1 ms: a guest-side figure is late by up to ~2 ms plus the
 * guest's timer slack. Exit 0 on success, 1 on any failure (on stderr,
 * and as "LABEL error=...").
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define GIB 1073741824ull
#define GIB_KB 1048576ull
#define TIMEOUT_MS 120000.0

static const char *label = "memhp-bench";
static int qfd, mfd;
static off_t moff;
static char buf[1 << 20];
static size_t blen;
static unsigned deleted; /* DEVICE_DELETED events seen */
static unsigned next_id;

static void fail(const char *fmt, ...)
{
    va_list ap;
    char msg[512];
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "memhp-bench: %s\n", msg);
    printf("%s error=%s\n", label, msg);
    exit(1);
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Handles one complete line: counts DEVICE_DELETED; returns 1 for the
 * reply to id ID (fails on an error reply), 0 otherwise. */
static int line(const char *l, unsigned id)
{
    if (strstr(l, "\"event\"")) {
        if (strstr(l, "\"DEVICE_DELETED\"")) {
            deleted++;
        }
        return 0;
    }
    char want[32];
    snprintf(want, sizeof want, "\"bench%u\"", id);
    if (!id || !strstr(l, want)) {
        return 0;
    }
    if (strstr(l, "\"error\"")) {
        fail("command bench%u: %.300s", id, l);
    }
    return 1;
}

/* Reads what the socket has, waiting up to WAIT ms; returns 1 if the reply
 * to ID arrived (ID 0: none wanted). */
static int pump(unsigned id, int wait)
{
    struct pollfd p = { .fd = qfd, .events = POLLIN };
    int got = 0;
    if (poll(&p, 1, wait) <= 0) {
        return 0;
    }
    ssize_t n = read(qfd, buf + blen, sizeof buf - 1 - blen);
    if (n <= 0) {
        fail("the monitor closed the connection");
    }
    blen += (size_t)n;
    buf[blen] = '\0';
    char *s = buf, *nl;
    while ((nl = strchr(s, '\n'))) {
        *nl = '\0';
        got |= line(s, id) && id;
        s = nl + 1;
    }
    blen -= (size_t)(s - buf);
    memmove(buf, s, blen);
    return got;
}

/* Sends a command (printf-style arguments JSON, or NULL) and waits for its
 * reply; returns the time of the write(). */
static double cmd(const char *name, const char *fmt, ...)
{
    char args[512] = "", msg[768];
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(args, sizeof args, fmt, ap);
        va_end(ap);
    }
    unsigned id = ++next_id;
    int len = snprintf(msg, sizeof msg, "{\"execute\":\"%s\"%s%s%s,\"id\":\"bench%u\"}\n",
                       name, fmt ? ",\"arguments\":{" : "", args, fmt ? "}" : "", id);
    double t = now_ms();
    if (write(qfd, msg, (size_t)len) != len) {
        fail("write %s: %s", name, strerror(errno));
    }
    while (!pump(id, 1000)) {
        if (now_ms() - t > TIMEOUT_MS) {
            fail("no reply to %s", name);
        }
    }
    return t;
}

/* The guest's last reported total (kB), 0 if none yet. */
static unsigned long long total(void)
{
    char b[4097];
    ssize_t n = pread(mfd, b, 4096, moff);
    if (n <= 0) {
        return 0;
    }
    b[n] = '\0';
    char *k = strstr(b, "memhp-total kb=");
    return k ? strtoull(k + 15, NULL, 10) : 0;
}

/* Waits until the guest's total is KB; returns the time it was seen. */
static double wait_total(unsigned long long kb, const char *what)
{
    double t0 = now_ms();
    const struct timespec half = { 0, 500000 };
    for (;;) {
        if (total() == kb) {
            return now_ms();
        }
        pump(0, 0);
        if (now_ms() - t0 > TIMEOUT_MS) {
            fail("%s: guest total %llu kB, waited for %llu", what, total(), kb);
        }
        nanosleep(&half, NULL);
    }
}

/* Waits for the N-th DEVICE_DELETED and for the guest's total to be KB,
 * watching both at once; *ev and *back get the times each was first seen. */
static void wait_removed(unsigned n, unsigned long long kb, const char *what,
                         double *ev, double *back)
{
    double t0 = now_ms();
    const struct timespec half = { 0, 500000 };
    *ev = *back = 0;
    while (!*ev || !*back) {
        pump(0, 0);
        if (!*ev && deleted >= n) {
            *ev = now_ms();
        }
        if (!*back && total() == kb) {
            *back = now_ms();
        }
        if (now_ms() - t0 > TIMEOUT_MS) {
            fail("%s: %u of %u DEVICE_DELETED, guest total %llu kB, waited for %llu",
                 what, deleted, n, total(), kb);
        }
        nanosleep(&half, NULL);
    }
}

int main(int argc, char **argv)
{
    int opt, rounds = 3;
    while ((opt = getopt(argc, argv, "r:l:")) != -1) {
        if (opt == 'r') {
            rounds = atoi(optarg);
        } else if (opt == 'l') {
            label = optarg;
        } else {
            return 2;
        }
    }
    if (argc - optind != 3 || rounds < 1) {
        fprintf(stderr, "usage: memhp-bench [-r ROUNDS] [-l LABEL] SOCKET MAILBOX BLOCK\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    snprintf(a.sun_path, sizeof a.sun_path, "%s", argv[optind]);
    qfd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (qfd < 0 || connect(qfd, (struct sockaddr *)&a, sizeof a) != 0) {
        fail("connect %s: %s", argv[optind], strerror(errno));
    }
    mfd = open(argv[optind + 1], O_RDONLY);
    if (mfd < 0) {
        fail("open %s: %s", argv[optind + 1], strerror(errno));
    }
    moff = (off_t)strtoul(argv[optind + 2], NULL, 10) * 4096;
    cmd("qmp_capabilities", NULL);
    double t0 = now_ms();
    while (!total()) {
        if (now_ms() - t0 > TIMEOUT_MS) {
            fail("no total from the guest");
        }
        pump(0, 10);
    }
    unsigned long long base = total();
    printf("%s base-kb=%llu\n", label, base);
    for (int r = 1; r <= rounds; r++) {
        double s, reply, on, del, back;
        double add1, add1r, del1, del1g, add8, del8, del8g;
        cmd("object-add", "\"qom-type\":\"memory-backend-ram\",\"id\":\"b%d\",\"size\":%llu", r, GIB);
        s = now_ms();
        cmd("device_add", "\"driver\":\"pc-dimm\",\"id\":\"d%d\",\"memdev\":\"b%d\"", r, r);
        reply = now_ms();
        on = wait_total(base + GIB_KB, "add1");
        add1 = on - s, add1r = reply - s;
        unsigned d0 = deleted;
        s = cmd("device_del", "\"id\":\"d%d\"", r);
        wait_removed(d0 + 1, base, "del1", &del, &back);
        del1 = del - s, del1g = back - s;
        cmd("object-del", "\"id\":\"b%d\"", r);
        for (int i = 0; i < 8; i++) {
            cmd("object-add", "\"qom-type\":\"memory-backend-ram\",\"id\":\"b%d_%d\",\"size\":%llu", r, i, GIB);
        }
        s = now_ms();
        for (int i = 0; i < 8; i++) {
            cmd("device_add", "\"driver\":\"pc-dimm\",\"id\":\"d%d_%d\",\"memdev\":\"b%d_%d\"", r, i, r, i);
        }
        on = wait_total(base + 8 * GIB_KB, "add8");
        add8 = on - s;
        d0 = deleted;
        s = now_ms();
        for (int i = 0; i < 8; i++) {
            cmd("device_del", "\"id\":\"d%d_%d\"", r, i);
        }
        wait_removed(d0 + 8, base, "del8", &del, &back);
        del8 = del - s, del8g = back - s;
        for (int i = 0; i < 8; i++) {
            cmd("object-del", "\"id\":\"b%d_%d\"", r, i);
        }
        printf("%s round=%d add1-ms=%.1f add1-reply-ms=%.1f del1-ms=%.1f del1-guest-ms=%.1f "
               "add8-ms=%.1f del8-ms=%.1f del8-guest-ms=%.1f\n",
               label, r, add1, add1r, del1, del1g, add8, del8, del8g);
    }
    char q[] = "{\"execute\":\"quit\"}\n";
    if (write(qfd, q, sizeof q - 1) < 0) {
        fail("write quit");
    }
    pump(0, 5000);
    return 0;
}
