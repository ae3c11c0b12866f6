/* qmp/qmp-int.h — what qmp.c and qmp-socket.c share; not for other parts. */
#ifndef NVEMU_QMP_INT_H
#define NVEMU_QMP_INT_H

#include "qmp.h"

struct NvQmpServer {
    GMainContext *ctx;
    GHashTable *cmds;        /* name -> NvQmpCommand* (owned) */
    GPtrArray *order;        /* NvQmpCommand*, registration order */
    GPtrArray *clients;      /* NvQmpClient*, not owned */
    GPtrArray *listeners;    /* NvQmpListener*, owned by qmp-socket.c */
    GPtrArray *sock_clients; /* socket clients, owned by qmp-socket.c */
    NvQmpClient *current;    /* client whose command is running */
};

/* qmp-socket.c: close listeners and socket clients (server teardown). */
void nv_qmp_socket_teardown(NvQmpServer *server);

#endif
