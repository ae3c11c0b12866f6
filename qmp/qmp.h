/*
 * qmp/ — the QMP monitor protocol, wire-compatible with QEMU's
 * (docs/interop/qmp-spec.rst): greeting, capabilities negotiation,
 * execute/arguments/id, return/error{class,desc}, events with timestamps.
 *
 * Layering: qmp/ depends only on util/, GLib/GIO and json-glib. machine/
 * registers its commands and emits its events through this header; qmp/
 * never calls machine/.
 *
 * Contract:
 *  - One input path: nv_qmp_client_feed(). The unix-socket code, the unit
 *    tests and the fuzzer all push bytes through it; the server answers
 *    through the client's output callback, one message per call, each
 *    ending in CRLF (as QEMU does).
 *  - Framing follows QEMU's streamer: a message ends where its top-level
 *    JSON object (or array) closes, a newline is not needed (qemu.qmp sends
 *    none). A top-level scalar ends at whitespace.
 *  - Limits: one message at most NV_QMP_MAX_MESSAGE bytes (1 MiB) and
 *    nesting at most NV_QMP_MAX_DEPTH (1024, QEMU's). Past either the
 *    client gets one GenericError and the feed returns false: the caller
 *    closes that client; other clients are untouched. Buffered input per
 *    client never exceeds the message limit, whatever the line length.
 *  - Before qmp_capabilities only qmp_capabilities runs (CommandNotFound,
 *    "Expecting capabilities negotiation with 'qmp_capabilities'"); events
 *    go only to negotiated clients. nvemu advertises no capability (no oob);
 *    qmp_capabilities {"enable": ["oob"]} is a GenericError.
 *  - Arguments are checked against the command's schema before its handler
 *    runs (missing, unexpected, wrong type: GenericError in QEMU's words),
 *    so a handler sees only declared members of the declared types.
 *  - Single-quoted strings (a QEMU extension) are not accepted: json-glib
 *    parses standard JSON only.
 *  - All functions run on the thread that owns the GMainContext given to
 *    nv_qmp_server_new(); the server takes no locks. A vCPU thread that
 *    wants an event sent hands it over (g_main_context_invoke() or the
 *    loop's eventfd) and the main thread calls nv_qmp_emit_event().
 *  - A handler runs inside nv_qmp_client_feed(): it must not free the
 *    server or a client; it returns its reply and defers teardown (quit:
 *    return {}, emit SHUTDOWN, stop the loop from an idle/timeout source,
 *    then nv_qmp_server_free(), which sends what the sockets still take).
 *
 * Manual use (Debian's socat; type one JSON object a line):
 *   socat - UNIX-CONNECT:/tmp/nvemu.qmp
 *   {"execute": "qmp_capabilities"}
 *   {"execute": "query-status"}
 * tests/qmp_client.py is a standard-library Python client; docs/qmp.md.
 */
#ifndef NVEMU_QMP_H
#define NVEMU_QMP_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stddef.h>

#define NV_QMP_MAX_MESSAGE (1024 * 1024)
#define NV_QMP_MAX_DEPTH 1024
/* Pending output per socket client; a client that reads nothing while the
 * server keeps writing (events) is closed past this. */
#define NV_QMP_MAX_OUTPUT (4 * 1024 * 1024)

/* Error classes (qapi/error.json). A handler sets errors in NV_QMP_ERROR
 * with one of these codes; an error of any other domain (NV_ERROR, GIO)
 * goes out as GenericError with its message as desc. */
#define NV_QMP_ERROR (nv_qmp_error_quark())
GQuark nv_qmp_error_quark(void);
typedef enum {
    NV_QMP_ERROR_GENERIC,            /* "GenericError" */
    NV_QMP_ERROR_COMMAND_NOT_FOUND,  /* "CommandNotFound" */
    NV_QMP_ERROR_DEVICE_NOT_ACTIVE,  /* "DeviceNotActive" */
    NV_QMP_ERROR_DEVICE_NOT_FOUND,   /* "DeviceNotFound" */
    NV_QMP_ERROR_KVM_MISSING_CAP,    /* "KVMMissingCap" */
} NvQmpErrorClass;

/* ---- commands ---------------------------------------------------------- */

typedef enum {
    NV_QMP_ARG_STR,     /* JSON string   ("expected: string") */
    NV_QMP_ARG_INT,     /* JSON integer  ("expected: integer") */
    NV_QMP_ARG_BOOL,    /* JSON boolean  ("expected: boolean") */
    NV_QMP_ARG_NUMBER,  /* integer or floating point ("expected: number") */
    NV_QMP_ARG_OBJECT,  /* JSON object   ("expected: object") */
    NV_QMP_ARG_ARRAY,   /* JSON array    ("expected: array") */
    NV_QMP_ARG_ANY,     /* any value, the handler checks it */
} NvQmpArgType;

typedef struct NvQmpArg {
    const char *name;
    NvQmpArgType type;
    bool optional;
} NvQmpArg;

/*
 * A command handler. @args is the "arguments" object (an empty object when
 * the request had none), already checked against the schema. Return the
 * value of "return" (transfer full; NULL with no error set means {}), or
 * NULL with *errp set.
 */
typedef JsonNode *(*NvQmpHandler)(void *opaque, JsonObject *args,
                                  GError **errp);

typedef struct NvQmpCommand {
    const char *name;
    const NvQmpArg *args;   /* terminated by {NULL}; NULL: no arguments */
    NvQmpHandler handler;
    void *opaque;
} NvQmpCommand;

/* ---- server ------------------------------------------------------------ */

typedef struct NvQmpServer NvQmpServer;
typedef struct NvQmpClient NvQmpClient;

/*
 * A server with the built-in commands qmp_capabilities, query-version
 * ({"qemu": {major, minor, micro} of nvemu's own version, "package":
 * "nvemu-X.Y.Z"}) and query-commands. Socket sources attach to @ctx (NULL:
 * the thread-default main context at the time of the call).
 */
NvQmpServer *nv_qmp_server_new(GMainContext *ctx);
/* Closes every client and listener and unlinks the sockets it created. */
void nv_qmp_server_free(NvQmpServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvQmpServer, nv_qmp_server_free)

/*
 * Add @cmd (copied; names and the args array must outlive the server,
 * static tables in practice). Fails on a duplicate name or a schema with an
 * unknown type or duplicate member.
 */
bool nv_qmp_register(NvQmpServer *server, const NvQmpCommand *cmd,
                     GError **errp);
/* Register a {NULL}-terminated table; stops at the first failure. */
bool nv_qmp_register_table(NvQmpServer *server, const NvQmpCommand *cmds,
                           GError **errp);

/*
 * Broadcast an event to every negotiated client: {"event": @name,
 * "data": @data, "timestamp": {"seconds", "microseconds"}} (wall clock).
 * @data may be NULL (no "data" member); it is not taken over.
 */
void nv_qmp_emit_event(NvQmpServer *server, const char *name,
                       JsonObject *data);

/* Number of clients connected (socket or fed), for tests and stats. */
unsigned nv_qmp_client_count(const NvQmpServer *server);

/* ---- clients: the one input path ---------------------------------------- */

/* Receives each outgoing message (CRLF-terminated). */
typedef void (*NvQmpOutput)(void *opaque, const char *data, size_t len);

/* A client; the greeting goes out through @out before this returns. */
NvQmpClient *nv_qmp_client_new(NvQmpServer *server, NvQmpOutput out,
                               void *opaque);
/*
 * Feed received bytes (any split: a byte at a time or many messages at
 * once). Each complete message is answered before the next is read. Returns
 * false once the client must be closed (a limit was exceeded); the caller
 * then frees it and feeds it no more.
 */
bool nv_qmp_client_feed(NvQmpClient *client, const char *buf, size_t len);
/* Detach and free: a half-received message is dropped, nothing is sent. */
void nv_qmp_client_free(NvQmpClient *client);

/* ---- -qmp and unix sockets -------------------------------------------- */

typedef struct NvQmpListenConfig {
    char *path;   /* unix socket path */
} NvQmpListenConfig;

/*
 * Parse a -qmp value: unix:PATH,server=on,wait=off, or the older
 * unix:PATH,server,nowait. server must be on; wait=on (the default when
 * absent, as in QEMU) is refused ("nvemu does not wait for a QMP client,
 * add wait=off"). ",," in PATH stands for a comma. Errors are one line
 * naming -qmp and the value.
 */
NvQmpListenConfig *nv_qmp_parse_option(const char *arg, GError **errp);
void nv_qmp_listen_config_free(NvQmpListenConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvQmpListenConfig, nv_qmp_listen_config_free)

/*
 * Listen on cfg->path (call once per -qmp). The socket is created mode 0600
 * (umask 0177 around bind). A socket file nobody listens on (connect gets
 * ECONNREFUSED) is replaced; a live socket or any other existing file is an
 * error and is left alone. Accepted clients are served from the server's
 * context; each is closed on EOF, error, or a limit, others keep going.
 */
bool nv_qmp_server_listen(NvQmpServer *server, const NvQmpListenConfig *cfg,
                          GError **errp);

/* ---- -pidfile ---------------------------------------------------------- */

/*
 * Write getpid() and "\n" to @path atomically (a temporary file in the same
 * directory, then rename), mode 0644. QEMU-compatible: an existing pidfile
 * is replaced only if no live process holds it — nvemu reads the old pid
 * and refuses ("-pidfile PATH: process N is still running") if kill(N, 0)
 * succeeds; an empty file (mktemp) is taken over; a file that is not a
 * pidfile (not a lone decimal pid, or not a regular file) is refused and
 * left alone.
 */
bool nv_pidfile_write(const char *path, GError **errp);
/* Remove @path if it still holds our pid (at exit). */
void nv_pidfile_remove(const char *path);

#endif
