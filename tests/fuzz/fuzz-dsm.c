/*
 * tests/fuzz/fuzz-dsm.c — libFuzzer target for the _DSM request decoder.
 *
 * Each input is the raw content of the mailbox as a guest could leave it
 * (seeds: make-dsm-seeds.py, every family and function);
 * the target rings the doorbell through nv_io_dispatch() and checks that
 * the response stays inside the mailbox and nothing after it is touched.
 * DIMMs are RAM-backed so Set calls are cheap: label-area durability is
 * tested elsewhere. Seeds fit-* read the FIT (handle 0x10000); the root
 * seeds (ars-*, clear-error*, translate-spa*, err-inject*) run the bus
 * functions, whose media-error lists and scrub state carry over from one
 * input to the next (the board lives for the whole run).
 */
#include "machine.h"

#include <stdlib.h>
#include <string.h>

static NvConfig *cfg;
static NvBoard *board;
static uint8_t *mailbox;

static void setup(void)
{
    const char *argv[] = {
        "nvemu", "-m", "64M,slots=4,maxmem=2G",
        "-object", "memory-backend-ram,id=m0,size=256M",
        "-device", "nvdimm,id=nv0,memdev=m0,label-size=128K",
        "-object", "memory-backend-ram,id=m1,size=128M",
        "-device", "nvdimm,id=nv1,memdev=m1,label-size=0",
        "-object", "memory-backend-ram,id=m2,size=256M",
        "-device", "nvdimm,id=nv2,memdev=m2,label-size=1M,unarmed=on",
        "-object", "memory-backend-ram,id=m3,size=128M",
        "-device", "pc-dimm,id=pc3,memdev=m3",
    };
    GError *err = NULL;
    cfg = nv_config_parse(G_N_ELEMENTS(argv), (char **)argv, &err);
    if (!cfg || !nv_config_plan(cfg, &err) ||
        !(board = nv_board_new(cfg, &err))) {
        fprintf(stderr, "fuzz-dsm setup: %s\n", err->message);
        abort();
    }
    mailbox = nv_board_guest_ptr(board, board->dsm_mailbox,
                                 NV_DSM_MAILBOX_SIZE + 4096);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!board) {
        setup();
    }
    size_t n = size < NV_DSM_MAILBOX_SIZE ? size : NV_DSM_MAILBOX_SIZE;
    memset(mailbox, 0, NV_DSM_MAILBOX_SIZE);
    memcpy(mailbox, data, n);
    memset(mailbox + NV_DSM_MAILBOX_SIZE, 0xa5, 4096);

    /* An odd-sized input also replaces the FIT (_FIT's Read FIT, handle
     * NV_DSM_FIT_HANDLE) with its own first bytes, marking it changed: a
     * read at a non-zero offset then answers NV_DSM_FIT_CHANGED. */
    if (size & 1) {
        nv_dsm_set_fit(board->dsm, data, size < 512 ? size : 512);
    }

    uint8_t db[4] = { 0 };
    nv_io_dispatch(board->bus, NV_IO_MMIO, NV_MMIO_DSM_DOORBELL, db, 4, true);

    uint32_t out_len;
    memcpy(&out_len, mailbox + NV_DSM_RESP_OUT_LEN, 4);
    if (out_len < 4 || out_len > NV_DSM_OUT_MAX) {
        abort(); /* every request gets a status or a bitmap */
    }
    for (size_t i = 0; i < 4096; i++) {
        if (mailbox[NV_DSM_MAILBOX_SIZE + i] != 0xa5) {
            abort(); /* wrote past the mailbox */
        }
    }
    return 0;
}
