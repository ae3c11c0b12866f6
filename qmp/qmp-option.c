/*
 * qmp/qmp-option.c — the -qmp value (QEMU's chardev spelling) and -pidfile.
 */
#include "qmp.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Split at single commas; ",," is a literal comma (QEMU's escaping). */
static GPtrArray *split_opts(const char *s)
{
    GPtrArray *v = g_ptr_array_new_with_free_func(g_free);
    GString *cur = g_string_new(NULL);
    for (const char *p = s;; p++) {
        if (*p == ',' && p[1] == ',') {
            g_string_append_c(cur, ',');
            p++;
        } else if (*p == ',' || !*p) {
            g_ptr_array_add(v, g_string_free(cur, FALSE));
            if (!*p) {
                break;
            }
            cur = g_string_new(NULL);
        } else {
            g_string_append_c(cur, *p);
        }
    }
    return v;
}

/* server / noserver / server=on|off, likewise wait. */
static bool flag(const char *elem, const char *key, bool *out, bool *seen,
                 bool *matched, GError **errp)
{
    size_t kl = strlen(key);
    g_autofree char *neg = g_strconcat("no", key, NULL);
    if (strcmp(elem, key) == 0) {
        *out = true;
    } else if (strcmp(elem, neg) == 0) {
        *out = false;
    } else if (strncmp(elem, key, kl) == 0 && elem[kl] == '=') {
        if (!nv_parse_bool(elem + kl + 1, out, errp)) {
            return false;
        }
    } else {
        return true;
    }
    if (*seen) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID, "'%s' given twice", key);
        return false;
    }
    *seen = *matched = true;
    return true;
}

static NvQmpListenConfig *parse(const char *arg, GError **errp)
{
    if (!g_str_has_prefix(arg, "unix:")) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "nvemu listens on unix sockets only: use "
                    "unix:PATH,server=on,wait=off");
        return NULL;
    }
    g_autoptr(GPtrArray) el = split_opts(arg + 5);
    const char *path = el->pdata[0];
    if (!*path) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID, "the socket path is empty");
        return NULL;
    }
    bool server = false, wait = true, seen_s = false, seen_w = false;
    for (guint i = 1; i < el->len; i++) {
        const char *e = el->pdata[i];
        bool matched = false;
        if (!flag(e, "server", &server, &seen_s, &matched, errp) ||
            !flag(e, "wait", &wait, &seen_w, &matched, errp)) {
            return NULL;
        }
        if (!matched) {
            g_autofree char *q = nv_quote(e);
            g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                        "unknown property '%s' (nvemu takes server and wait)",
                        q);
            return NULL;
        }
    }
    if (!server) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "nvemu listens for QMP clients: add server=on");
        return NULL;
    }
    if (wait) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "nvemu does not wait for a QMP client before starting: "
                    "add wait=off");
        return NULL;
    }
    NvQmpListenConfig *cfg = g_new0(NvQmpListenConfig, 1);
    cfg->path = g_strdup(path);
    return cfg;
}

NvQmpListenConfig *nv_qmp_parse_option(const char *arg, GError **errp)
{
    NvQmpListenConfig *cfg = parse(arg, errp);
    if (!cfg) {
        g_autofree char *q = nv_quote(arg);
        nv_error_prefix(errp, "-qmp '%s'", q);
    }
    return cfg;
}

void nv_qmp_listen_config_free(NvQmpListenConfig *cfg)
{
    if (cfg) {
        g_free(cfg->path);
        g_free(cfg);
    }
}

/* ---- -pidfile ------------------------------------------------------------- */

/* The pid in an existing pidfile: 0 for an empty file, -1 if it is not one. */
static long read_pid(const char *path, GError **errp)
{
    struct stat st;
    if (lstat(path, &st) < 0) {
        if (errno == ENOENT) {
            return 0;
        }
        g_set_error(errp, NV_ERROR, NV_ERROR_IO, "-pidfile %s: %s", path,
                    g_strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > 32) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "-pidfile %s: exists and is not a pidfile; nvemu leaves "
                    "it alone", path);
        return -1;
    }
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;
    if (!g_file_get_contents(path, &text, NULL, &err)) {
        g_set_error(errp, NV_ERROR, NV_ERROR_IO, "-pidfile %s: %s", path,
                    err->message);
        return -1;
    }
    g_strstrip(text);
    if (!*text) {
        return 0;
    }
    uint64_t pid;
    if (!nv_parse_uint(text, INT32_MAX, &pid, NULL) || pid == 0) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "-pidfile %s: exists and is not a pidfile; nvemu leaves "
                    "it alone", path);
        return -1;
    }
    return (long)pid;
}

bool nv_pidfile_write(const char *path, GError **errp)
{
    long old = read_pid(path, errp);
    if (old < 0) {
        return false;
    }
    if (old > 0 && old != (long)getpid() &&
        (kill((pid_t)old, 0) == 0 || errno == EPERM)) {
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                    "-pidfile %s: process %ld is still running", path, old);
        return false;
    }
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *tmpl = g_build_filename(dir, ".nvemu-pid-XXXXXX", NULL);
    int fd = g_mkstemp_full(tmpl, O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) {
        g_set_error(errp, NV_ERROR, NV_ERROR_IO, "-pidfile %s: %s", path,
                    g_strerror(errno));
        return false;
    }
    char line[32];
    int n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
    bool ok = write(fd, line, (size_t)n) == n && fchmod(fd, 0644) == 0;
    int e = errno;
    if (close(fd) < 0 && ok) {
        ok = false;
        e = errno;
    }
    if (ok && rename(tmpl, path) < 0) {
        ok = false;
        e = errno;
    }
    if (!ok) {
        unlink(tmpl);
        g_set_error(errp, NV_ERROR, NV_ERROR_IO, "-pidfile %s: %s", path,
                    g_strerror(e));
    }
    return ok;
}

void nv_pidfile_remove(const char *path)
{
    if (path && read_pid(path, NULL) == (long)getpid()) {
        unlink(path);
    }
}
