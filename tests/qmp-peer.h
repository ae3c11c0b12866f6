/*
 * tests/qmp-peer.h — a QMP client for the unit tests that talks to a
 * server through nv_qmp_client_feed(), the path the sockets and the fuzzer
 * use. Every message the server sends is checked to be one CRLF-terminated
 * line and kept as text (without the CRLF) in @msgs.
 */
#ifndef NVEMU_TESTS_QMP_PEER_H
#define NVEMU_TESTS_QMP_PEER_H

#include "qmp.h"

#include <string.h>

typedef struct Peer {
    NvQmpClient *c;
    GPtrArray *msgs;   /* each message received, as text */
} Peer;

static inline void qmp_peer_collect(void *opaque, const char *data,
                                    size_t len)
{
    Peer *p = opaque;
    g_assert_cmpuint(len, >=, 2);
    g_assert_true(data[len - 2] == '\r' && data[len - 1] == '\n');
    g_assert_null(memchr(data, '\n', len - 1));   /* one line a message */
    g_ptr_array_add(p->msgs, g_strndup(data, len - 2));
}

static inline Peer *qmp_peer_new(NvQmpServer *s)
{
    Peer *p = g_new0(Peer, 1);
    p->msgs = g_ptr_array_new_with_free_func(g_free);
    p->c = nv_qmp_client_new(s, qmp_peer_collect, p);
    return p;
}

static inline void qmp_peer_free(Peer *p)
{
    nv_qmp_client_free(p->c);
    g_ptr_array_free(p->msgs, TRUE);
    g_free(p);
}

/* Feed @text; the one message it causes, as text (owned by the peer). */
static inline const char *qmp_peer_send(Peer *p, const char *text)
{
    guint before = p->msgs->len;
    g_assert_true(nv_qmp_client_feed(p->c, text, strlen(text)));
    g_assert_cmpuint(p->msgs->len, ==, before + 1);
    return p->msgs->pdata[before];
}

#endif
