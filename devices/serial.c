/*
 * devices/serial.c — COM1, a 16550A UART as Linux's 8250 driver sees it.
 *
 * Register map (PC16550D datasheet, table II; offsets from 0x3F8):
 *   0  RBR (read) / THR (write);   DLL when LCR.DLAB (bit 7) is set
 *   1  IER (bits 0-3);             DLM when LCR.DLAB is set
 *   2  IIR (read) / FCR (write)
 *   3  LCR   4  MCR   5  LSR   6  MSR   7  SCR
 *
 * The model: transmission is instant (a byte written to THR goes straight
 * to out_fd, so THR and the transmitter are always empty), and the receive
 * side is one bounded queue that stands for both the host's input buffer
 * and the UART's receive FIFO. Everything the guest can observe, and the
 * interrupt line, is derived from a handful of fields under one mutex,
 * because nv_serial_receive() runs on the stdin reader thread while vCPU
 * threads call nv_serial_io().
 *
 * Every behaviour Linux depends on is cited where it is implemented
 * (drivers/tty/serial/8250/8250_port.c unless said otherwise).
 */
#include "serial.h"


#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Register offsets */
enum { REG_DATA, REG_IER, REG_IIR_FCR, REG_LCR, REG_MCR, REG_LSR, REG_MSR,
       REG_SCR };

#define IER_RDI      0x01 /* received data available */
#define IER_THRI     0x02 /* transmit holding register empty */
#define IER_RLSI     0x04 /* receiver line status */
#define IER_MSI      0x08 /* modem status */
#define IER_MASK     0x0f /* bits 4-7 are always 0 on a 16550A */

#define IIR_NO_INT   0x01
#define IIR_MSI      0x00
#define IIR_THRI     0x02
#define IIR_RDI      0x04
#define IIR_RLSI     0x06
#define IIR_FIFO_ON  0xc0 /* both FIFO-enabled bits: a 16550A, not a 16550 */

#define FCR_ENABLE   0x01
#define FCR_CLR_RCVR 0x02
#define FCR_TRIGGER  0xc0 /* receive trigger level; kept, not acted on */

#define LCR_DLAB     0x80

#define MCR_DTR      0x01
#define MCR_RTS      0x02
#define MCR_OUT1     0x04
#define MCR_OUT2     0x08
#define MCR_LOOP     0x10
#define MCR_MASK     0x1f

#define LSR_DR       0x01
#define LSR_OE       0x02
#define LSR_THRE     0x20
#define LSR_TEMT     0x40

#define MSR_DCTS     0x01
#define MSR_DDSR     0x02
#define MSR_TERI     0x04
#define MSR_DDCD     0x08
#define MSR_CTS      0x10
#define MSR_DSR      0x20
#define MSR_RI       0x40
#define MSR_DCD      0x80

/* The 16550A's receive FIFO depth. Only loopback traffic is held to it:
 * size_fifo() in Linux counts how many looped-back bytes survive, and 64
 * would make it a "U6_16550A" (autoconfig_16550a()), 16 is a 16550A. */
#define HW_FIFO_LEN  16
/* Host input waiting for the guest; more is dropped (and flagged as an
 * overrun, which is what the guest would have seen on a real line). */
#define RX_QUEUE_LEN 4096

/* Transmitted bytes are written to out_fd a line at a time, not one
 * write() per byte: each guest byte already costs a VM exit, and on a
 * slow host the write() per byte doubled that. The buffer is flushed at a
 * newline, when full, and before any register access other than the two a
 * transmit loop makes (THR writes, LSR reads): the 8250 driver ends every
 * burst with an IIR read or an IER write, so a prompt without a newline
 * still shows at once. */
#define OUT_BUF_LEN 256

struct NvSerial {
    GMutex lock;
    int out_fd;
    bool out_broken;      /* write() failed for good; drop, said so once */
    NvIrqFn irq;
    void *irq_opaque;
    unsigned irq_num;
    bool irq_level;       /* what we last told irq() */

    uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
    bool thr_ipending;    /* THRE interrupt armed and not yet acknowledged */
    bool overrun;         /* LSR.OE, cleared by reading LSR */
    uint8_t msr_delta;    /* MSR bits 0-3, cleared by reading MSR */

    uint8_t rx[RX_QUEUE_LEN]; /* ring: rx_len bytes from rx_head */
    size_t rx_head, rx_len;

    uint8_t out[OUT_BUF_LEN]; /* transmitted, not yet written to out_fd */
    size_t out_len;
};

/* Modem status lines (MSR bits 4-7). In loopback the four MCR outputs feed
 * them back: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD (datasheet, MCR bit 4).
 * Linux's autoconfig() writes MCR = LOOP|OUT2|RTS and requires MSR & 0xF0
 * to be exactly 0x90. Otherwise we are a cable with the far end present:
 * CTS, DSR and DCD up, so nothing waits for carrier or clear-to-send. */
static uint8_t msr_lines(const NvSerial *s)
{
    if (!(s->mcr & MCR_LOOP)) {
        return MSR_DCD | MSR_DSR | MSR_CTS;
    }
    uint8_t m = 0;
    m |= (s->mcr & MCR_RTS) ? MSR_CTS : 0;
    m |= (s->mcr & MCR_DTR) ? MSR_DSR : 0;
    m |= (s->mcr & MCR_OUT1) ? MSR_RI : 0;
    m |= (s->mcr & MCR_OUT2) ? MSR_DCD : 0;
    return m;
}

/* The highest-priority pending, enabled interrupt, as IIR bits 0-3
 * (datasheet table IV): line status, received data, THR empty, modem
 * status. Receive timeout (0x0C) is not modelled: data is reported as
 * available at once, and Linux treats both alike (serial8250_handle_irq()
 * tests iir & UART_IIR_RDI). */
static uint8_t iir_id(const NvSerial *s)
{
    if ((s->ier & IER_RLSI) && s->overrun) {
        return IIR_RLSI;
    }
    if ((s->ier & IER_RDI) && s->rx_len) {
        return IIR_RDI;
    }
    if ((s->ier & IER_THRI) && s->thr_ipending) {
        return IIR_THRI;
    }
    if ((s->ier & IER_MSI) && s->msr_delta) {
        return IIR_MSI;
    }
    return IIR_NO_INT;
}

/* Level-triggered INTR output: tell the machine only about changes.
 * Called with the lock held so that two threads cannot deliver their
 * level changes out of order; irq() must not call back into the UART.
 * OUT2 does not gate the line (as in QEMU): Linux sets OUT2 anyway. */
static void update_irq(NvSerial *s)
{
    bool level = iir_id(s) != IIR_NO_INT;
    if (level != s->irq_level) {
        s->irq_level = level;
        if (s->irq) {
            s->irq(s->irq_opaque, s->irq_num, level);
        }
    }
}

static void rx_clear(NvSerial *s)
{
    s->rx_head = s->rx_len = 0;
}

static bool rx_push(NvSerial *s, uint8_t b, size_t limit)
{
    if (s->rx_len >= limit) {
        s->overrun = true;
        return false;
    }
    s->rx[(s->rx_head + s->rx_len) % RX_QUEUE_LEN] = b;
    s->rx_len++;
    return true;
}

static uint8_t rx_pop(NvSerial *s)
{
    if (!s->rx_len) {
        return 0; /* reading an empty RBR: stale data on real hardware */
    }
    uint8_t b = s->rx[s->rx_head];
    s->rx_head = (s->rx_head + 1) % RX_QUEUE_LEN;
    s->rx_len--;
    return b;
}

/* Everything buffered to the host. out_fd is normally a terminal; a full
 * pipe or a non-blocking fd makes us wait rather than lose console output. */
static void flush_out(NvSerial *s)
{
    size_t done = 0;
    while (done < s->out_len && s->out_fd >= 0 && !s->out_broken) {
        ssize_t n = write(s->out_fd, s->out + done, s->out_len - done);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pfd = { .fd = s->out_fd, .events = POLLOUT };
            if (poll(&pfd, 1, -1) >= 0 || errno == EINTR) {
                continue;
            }
        }
        fprintf(stderr, "nvemu: serial output: %s; dropping further "
                "output\n", n < 0 ? g_strerror(errno) : "short write");
        s->out_broken = true;
    }
    s->out_len = 0;
}

/* One byte to the host, through the line buffer. */
static void emit(NvSerial *s, uint8_t b)
{
    if (s->out_fd < 0 || s->out_broken) {
        return;
    }
    s->out[s->out_len++] = b;
    if (b == '\n' || s->out_len == sizeof(s->out)) {
        flush_out(s);
    }
}

static void write_thr(NvSerial *s, uint8_t v)
{
    if (s->mcr & MCR_LOOP) {
        /* Loopback: the transmitter feeds the receiver and the line stays
         * idle (datasheet, MCR bit 4). Held to the hardware FIFO (or the
         * single holding register with FIFOs off) so that Linux's
         * size_fifo() measures 16. */
        rx_push(s, v, (s->fcr & FCR_ENABLE) ? HW_FIFO_LEN : 1);
    } else {
        emit(s, v);
    }
    /* Writing THR acknowledges the THRE interrupt, and since the byte is
     * gone at once THR is empty again and the interrupt re-arms: the 8250
     * driver keeps feeding bytes until its buffer is empty and then
     * clears IER.THRI (serial8250_tx_chars(), __stop_tx()). */
    s->thr_ipending = true;
}

static void write_ier(NvSerial *s, uint8_t v)
{
    uint8_t old = s->ier;
    /* Bits 4-7 read back 0: autoconfig_16550a() writes IER.UUE (bit 6)
     * and would call us an XScale if it stuck. */
    s->ier = v & IER_MASK;
    /* Enabling THRI while THR is empty asserts the interrupt again; the
     * THRE test in serial8250_do_startup() toggles IER 0 -> THRI and sets
     * UART_BUG_THRE if the second IIR read shows nothing pending. */
    if ((s->ier & IER_THRI) && !(old & IER_THRI)) {
        s->thr_ipending = true;
    } else if (!(s->ier & IER_THRI)) {
        s->thr_ipending = false;
    }
}

static void write_fcr(NvSerial *s, uint8_t v)
{
    /* Changing FCR0 (FIFO enable) empties both FIFOs (datasheet, FCR). */
    if ((v ^ s->fcr) & FCR_ENABLE) {
        rx_clear(s);
    }
    if (!(v & FCR_ENABLE)) {
        s->fcr = 0; /* the other bits are only written with FCR0 set */
        return;
    }
    if (v & FCR_CLR_RCVR) {
        rx_clear(s);
    }
    /* FCR_CLR_XMIT: nothing to clear. Bit 5 (64-byte FIFO on a 16750) is
     * not kept, so IIR bit 5 stays 0 and autoconfig_16550a() does not take
     * us for a TI16750 (it wants IIR >> 5 == 7 after setting it). */
    s->fcr = v & (FCR_ENABLE | FCR_TRIGGER);
}

static void write_mcr(NvSerial *s, uint8_t v)
{
    uint8_t before = msr_lines(s);
    s->mcr = v & MCR_MASK;
    uint8_t after = msr_lines(s), changed = before ^ after;
    /* Delta bits, as the modem-status interrupt reports them. */
    s->msr_delta |= (changed & MSR_CTS) ? MSR_DCTS : 0;
    s->msr_delta |= (changed & MSR_DSR) ? MSR_DDSR : 0;
    s->msr_delta |= (changed & MSR_DCD) ? MSR_DDCD : 0;
    s->msr_delta |= ((before & MSR_RI) && !(after & MSR_RI)) ? MSR_TERI : 0;
}

static void reg_write(NvSerial *s, unsigned reg, uint8_t v)
{
    switch (reg) {
    case REG_DATA:
        if (s->lcr & LCR_DLAB) {
            s->dll = v;
        } else {
            write_thr(s, v);
        }
        break;
    case REG_IER:
        if (s->lcr & LCR_DLAB) {
            s->dlm = v;
        } else {
            write_ier(s, v);
        }
        break;
    case REG_IIR_FCR:
        /* FCR does not depend on DLAB. With LCR = 0xBF other UARTs put an
         * EFR here; autoconfig() writes 0 to it, which turns our FIFOs off
         * just before it turns them on again. */
        write_fcr(s, v);
        break;
    case REG_LCR:
        s->lcr = v; /* all bits kept: Linux saves and restores LCR */
        break;
    case REG_MCR:
        write_mcr(s, v);
        break;
    case REG_SCR:
        /* autoconfig_8250() (and autoconfig's existence checks) want
         * 0xA5 and 0x5A back. */
        s->scr = v;
        break;
    default:
        break; /* LSR and MSR writes: factory test only on a 16550 */
    }
}

static uint8_t reg_read(NvSerial *s, unsigned reg)
{
    uint8_t v = 0;
    switch (reg) {
    case REG_DATA:
        v = (s->lcr & LCR_DLAB) ? s->dll : rx_pop(s);
        break;
    case REG_IER:
        v = (s->lcr & LCR_DLAB) ? s->dlm : s->ier;
        break;
    case REG_IIR_FCR: {
        /* Not DLAB-dependent either: autoconfig_16550a() reads offset 2
         * with LCR = 0x80 and 0xBF looking for an EFR, and anything
         * non-zero (0xC1 when idle) says "no EFR". Bit 4 is 0, which the
         * NatSemi check (LCR = 0xE0, compares with MCR.LOOP) relies on. */
        uint8_t id = iir_id(s);
        v = id | ((s->fcr & FCR_ENABLE) ? IIR_FIFO_ON : 0);
        /* Reading IIR acknowledges THRE if that is what it reported. */
        if (id == IIR_THRI) {
            s->thr_ipending = false;
        }
        break;
    }
    case REG_LCR:
        v = s->lcr;
        break;
    case REG_MCR:
        v = s->mcr;
        break;
    case REG_LSR:
        /* THRE and TEMT always: wait_for_xmitr() and serial_putc() poll
         * for both before each console byte. OE clears on read. */
        v = LSR_THRE | LSR_TEMT | (s->rx_len ? LSR_DR : 0) |
            (s->overrun ? LSR_OE : 0);
        s->overrun = false;
        break;
    case REG_MSR:
        v = msr_lines(s) | s->msr_delta;
        s->msr_delta = 0;
        break;
    case REG_SCR:
        v = s->scr;
        break;
    }
    return v;
}

NvSerial *nv_serial_new(int out_fd, NvIrqFn irq, void *irq_opaque,
                        unsigned irq_num)
{
    NvSerial *s = g_new0(NvSerial, 1);
    g_mutex_init(&s->lock);
    s->out_fd = out_fd;
    s->irq = irq;
    s->irq_opaque = irq_opaque;
    s->irq_num = irq_num;
    /* Divisor 1 (115200 baud) rather than 0: with no baud given, earlycon
     * and console handover compute uartclk / 16 / divisor (probe_baud() in
     * 8250_early.c and 8250_port.c), and no firmware ran to set it. */
    s->dll = 1;
    return s;
}

void nv_serial_free(NvSerial *s)
{
    if (s) {
        flush_out(s);
        g_mutex_clear(&s->lock);
        g_free(s);
    }
}

void nv_serial_io(void *opaque, uint64_t offset, uint8_t *data, unsigned len,
                  bool is_write)
{
    NvSerial *s = opaque;
    g_mutex_lock(&s->lock);
    /* The UART sits on an 8-bit bus: a wider access is a run of byte
     * accesses to consecutive registers, as the ISA bus splits it. The
     * bus only hands us accesses that lie within our 8 ports. */
    for (unsigned i = 0; i < len; i++) {
        unsigned reg = (unsigned)((offset + i) & 7);
        bool tx_loop = is_write ? reg == REG_DATA && !(s->lcr & LCR_DLAB)
                                : reg == REG_LSR;
        if (!tx_loop && s->out_len) {
            flush_out(s);
        }
        if (is_write) {
            reg_write(s, reg, data[i]);
        } else {
            data[i] = reg_read(s, reg);
        }
    }
    update_irq(s);
    g_mutex_unlock(&s->lock);
}

void nv_serial_receive(NvSerial *s, const uint8_t *buf, size_t len)
{
    g_mutex_lock(&s->lock);
    /* In loopback the receiver listens to the transmitter only; the serial
     * input pin is disconnected (datasheet, MCR bit 4). */
    if (!(s->mcr & MCR_LOOP)) {
        for (size_t i = 0; i < len; i++) {
            rx_push(s, buf[i], RX_QUEUE_LEN);
        }
    }
    update_irq(s);
    g_mutex_unlock(&s->lock);
}

bool nv_serial_attach(NvIoBus *bus, NvSerial *s, GError **errp)
{
    return nv_io_register(bus, NV_IO_PIO, NV_PIO_COM1, NV_COM1_PORTS, "com1",
                          nv_serial_io, s, errp);
}

/* Device (COM1): the 16550 at NV_PIO_COM1, ISA IRQ NV_IRQ_COM1. */
NvAml *nv_serial_aml(void)
{
    NvAml *dev = aml_device("COM1");
    aml_append(dev, aml_name_decl("_HID", aml_eisaid("PNP0501")));
    aml_append(dev, aml_name_decl("_UID", aml_int(1)));
    NvAml *crs = aml_resource_template();
    aml_append(crs, aml_io(NV_PIO_COM1, NV_PIO_COM1, 1, NV_COM1_PORTS));
    aml_append(crs, aml_irq_no_flags(NV_IRQ_COM1));
    aml_append(dev, aml_name_decl("_CRS", crs));
    return dev;
}
