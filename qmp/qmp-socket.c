/*
 * qmp/qmp-socket.c — QMP over unix stream sockets: listen (0600, stale
 * socket replaced, anything else at the path left alone), accept, read into
 * nv_qmp_client_feed(), buffered non-blocking writes. Every fd is watched
 * with g_unix_fd_add_full() on the server's GMainContext.
 */
#include "qmp-int.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct NvQmpListener {
    NvQmpServer *server;
    int fd;
    char *path;
    dev_t dev;          /* the socket file we created, unlinked at the end */
    ino_t ino;
    guint src;
} NvQmpListener;

typedef struct SockClient {
    NvQmpServer *server;
    NvQmpClient *qmp;
    int fd;
    GString *out;
    guint in_src, out_src, close_src;
    bool closing;       /* no more input; close once the output is out */
} SockClient;

static guint add_fd(NvQmpServer *s, int fd, GIOCondition cond,
                    GUnixFDSourceFunc fn, void *data)
{
    GSource *src = g_unix_fd_source_new(fd, cond);
    g_source_set_callback(src, (GSourceFunc)(void (*)(void))fn, data, NULL);
    guint id = g_source_attach(src, s->ctx);
    g_source_unref(src);
    return id;
}

static void remove_src(NvQmpServer *s, guint *id)
{
    if (*id) {
        GSource *src = g_main_context_find_source_by_id(s->ctx, *id);
        if (src) {
            g_source_destroy(src);
        }
        *id = 0;
    }
}

static void sock_client_free(SockClient *sc)
{
    NvQmpServer *s = sc->server;
    remove_src(s, &sc->in_src);
    remove_src(s, &sc->out_src);
    remove_src(s, &sc->close_src);
    g_ptr_array_remove(s->sock_clients, sc);
    nv_qmp_client_free(sc->qmp);
    close(sc->fd);
    g_string_free(sc->out, TRUE);
    g_free(sc);
}

static gboolean close_later(void *data)
{
    SockClient *sc = data;
    sc->close_src = 0;
    sock_client_free(sc);
    return G_SOURCE_REMOVE;
}

static void schedule_close(SockClient *sc)
{
    sc->closing = true;
    remove_src(sc->server, &sc->in_src);
    if (!sc->close_src) {
        GSource *src = g_idle_source_new();
        g_source_set_callback(src, close_later, sc, NULL);
        sc->close_src = g_source_attach(src, sc->server->ctx);
        g_source_unref(src);
    }
}

/* Write what the socket takes now. False: the peer is gone. */
static bool flush(SockClient *sc)
{
    while (sc->out->len) {
        ssize_t n = send(sc->fd, sc->out->str, sc->out->len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return true;
        }
        if (n <= 0) {
            return false;
        }
        g_string_erase(sc->out, 0, n);
    }
    return true;
}

static gboolean on_writable(int fd, GIOCondition cond, void *data)
{
    (void)fd, (void)cond;
    SockClient *sc = data;
    if (!flush(sc)) {
        sc->out_src = 0;
        schedule_close(sc);
        return G_SOURCE_REMOVE;
    }
    if (sc->out->len) {
        return G_SOURCE_CONTINUE;
    }
    sc->out_src = 0;
    if (sc->closing) {
        schedule_close(sc);
    }
    return G_SOURCE_REMOVE;
}

/* NvQmpOutput: queue, write what fits, watch for room for the rest. */
static void sock_output(void *opaque, const char *data, size_t len)
{
    SockClient *sc = opaque;
    if (sc->close_src) {
        return;
    }
    if (sc->out->len + len > NV_QMP_MAX_OUTPUT) {
        schedule_close(sc);     /* a client that does not read */
        return;
    }
    g_string_append_len(sc->out, data, (gssize)len);
    if (!flush(sc)) {
        schedule_close(sc);
    } else if (sc->out->len && !sc->out_src) {
        sc->out_src = add_fd(sc->server, sc->fd, G_IO_OUT, on_writable, sc);
    }
}

static gboolean on_readable(int fd, GIOCondition cond, void *data)
{
    (void)cond;
    SockClient *sc = data;
    char buf[64 * 1024];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) {
        return G_SOURCE_CONTINUE;
    }
    if (n <= 0) {                       /* EOF or error: drop the client */
        sc->in_src = 0;
        schedule_close(sc);
        return G_SOURCE_REMOVE;
    }
    if (!nv_qmp_client_feed(sc->qmp, buf, (size_t)n)) {
        /* A limit: the error is queued; stop reading, close once sent. */
        sc->in_src = 0;
        sc->closing = true;
        shutdown(fd, SHUT_RD);
        if (!sc->out->len && !sc->close_src) {
            schedule_close(sc);
        }
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static gboolean on_accept(int fd, GIOCondition cond, void *data)
{
    (void)cond;
    NvQmpListener *l = data;
    int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (cfd < 0) {
        return G_SOURCE_CONTINUE;       /* EAGAIN, EMFILE, ...: try later */
    }
    SockClient *sc = g_new0(SockClient, 1);
    sc->server = l->server;
    sc->fd = cfd;
    sc->out = g_string_new(NULL);
    g_ptr_array_add(l->server->sock_clients, sc);
    sc->in_src = add_fd(l->server, cfd, G_IO_IN | G_IO_HUP | G_IO_ERR,
                        on_readable, sc);
    sc->qmp = nv_qmp_client_new(l->server, sock_output, sc);
    return G_SOURCE_CONTINUE;
}

/* Something exists at @path: a dead socket is removed, anything else is
 * an error and stays. */
static bool clear_stale(const char *path, const struct sockaddr_un *sa,
                        GError **errp)
{
    struct stat st;
    if (lstat(path, &st) < 0) {
        if (errno == ENOENT) {
            return true;
        }
        g_set_error(errp, NV_ERROR, NV_ERROR_IO, "-qmp unix:%s: %s", path,
                    g_strerror(errno));
        return false;
    }
    if (!S_ISSOCK(st.st_mode)) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "-qmp unix:%s: the path exists and is not a socket; "
                    "nvemu leaves it alone", path);
        return false;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        g_set_error(errp, NV_ERROR, NV_ERROR_IO, "-qmp unix:%s: socket: %s",
                    path, g_strerror(errno));
        return false;
    }
    int r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
    int e = errno;
    close(fd);
    if (r == 0) {
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                    "-qmp unix:%s: another process is listening on it", path);
        return false;
    }
    if (e != ECONNREFUSED) {
        g_set_error(errp, NV_ERROR, NV_ERROR_IO,
                    "-qmp unix:%s: cannot tell whether the socket is in use: "
                    "%s", path, g_strerror(e));
        return false;
    }
    if (unlink(path) < 0 && errno != ENOENT) {
        g_set_error(errp, NV_ERROR, NV_ERROR_IO,
                    "-qmp unix:%s: removing the stale socket: %s", path,
                    g_strerror(errno));
        return false;
    }
    return true;
}

bool nv_qmp_server_listen(NvQmpServer *s, const NvQmpListenConfig *cfg,
                          GError **errp)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(cfg->path) >= sizeof(sa.sun_path)) {
        g_autofree char *q = nv_quote(cfg->path);
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "-qmp unix:%s: the path is longer than %zu bytes", q,
                    sizeof(sa.sun_path) - 1);
        return false;
    }
    strcpy(sa.sun_path, cfg->path);
    if (!clear_stale(cfg->path, &sa, errp)) {
        return false;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        g_set_error(errp, NV_ERROR, NV_ERROR_IO, "-qmp unix:%s: socket: %s",
                    cfg->path, g_strerror(errno));
        return false;
    }
    mode_t old = umask(0177);           /* the socket file is born 0600 */
    int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    int e = errno;
    umask(old);
    struct stat st;
    if (r < 0 || listen(fd, 16) < 0 || fstat(fd, &st) < 0 ||
        lstat(cfg->path, &st) < 0) {
        if (r == 0) {
            e = errno;
            unlink(cfg->path);
        }
        close(fd);
        g_set_error(errp, NV_ERROR, NV_ERROR_IO, "-qmp unix:%s: %s",
                    cfg->path, g_strerror(e));
        return false;
    }
    NvQmpListener *l = g_new0(NvQmpListener, 1);
    l->server = s;
    l->fd = fd;
    l->path = g_strdup(cfg->path);
    l->dev = st.st_dev;
    l->ino = st.st_ino;
    l->src = add_fd(s, fd, G_IO_IN, on_accept, l);
    g_ptr_array_add(s->listeners, l);
    return true;
}

void nv_qmp_socket_teardown(NvQmpServer *s)
{
    while (s->sock_clients->len) {
        SockClient *sc = s->sock_clients->pdata[0];
        flush(sc);      /* the last reply (quit's) if the socket takes it */
        sock_client_free(sc);
    }
    for (guint i = 0; i < s->listeners->len; i++) {
        NvQmpListener *l = s->listeners->pdata[i];
        remove_src(s, &l->src);
        struct stat st;
        /* Only our own socket: not a file someone put there since. */
        if (lstat(l->path, &st) == 0 && st.st_dev == l->dev &&
            st.st_ino == l->ino) {
            unlink(l->path);
        }
        close(l->fd);
        g_free(l->path);
        g_free(l);
    }
    g_ptr_array_set_size(s->listeners, 0);
}
