/*
 * tests/test-devices.c — COM1 and the power registers, driven only through
 * nv_io_dispatch() the way the guest drives them: the port I/O sequences
 * below follow what Linux's 8250 driver (autoconfig(), size_fifo(),
 * serial8250_do_startup(), the console write path), ACPICA's
 * acpi_hw_extended_sleep() and the x86 reboot code do.
 */
#include "power.h"
#include "serial.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#define COM1      NV_PIO_COM1
#define RBR       (COM1 + 0)
#define IER       (COM1 + 1)
#define IIR       (COM1 + 2)
#define LCR       (COM1 + 3)
#define MCR       (COM1 + 4)
#define LSR       (COM1 + 5)
#define MSR       (COM1 + 6)
#define SCR       (COM1 + 7)
#define PM_CTL    (NV_PIO_PM_BASE + 0)
#define PM_STS    (NV_PIO_PM_BASE + 1)
#define PM_RESET  (NV_PIO_PM_BASE + 2)
#define I8042_CMD 0x64

#define S5_SLEEP  ((NV_ACPI_S5_SLP_TYP << 2) | NV_ACPI_SLP_EN)

/* An interrupt controller that only writes down what it is told, and
 * checks it is told about changes only (level semantics). */
typedef struct {
    GMutex lock;
    bool level;
    unsigned raises, lowers;
} IrqRec;

static void irq_rec(void *opaque, unsigned irq, bool level)
{
    IrqRec *r = opaque;
    g_assert_cmpuint(irq, ==, NV_IRQ_COM1);
    g_mutex_lock(&r->lock);
    g_assert_true(level != r->level);
    r->level = level;
    if (level) {
        r->raises++;
    } else {
        r->lowers++;
    }
    g_mutex_unlock(&r->lock);
}

static bool irq_level(IrqRec *r)
{
    g_mutex_lock(&r->lock);
    bool l = r->level;
    g_mutex_unlock(&r->lock);
    return l;
}

typedef struct {
    NvIoBus *bus;
    NvSerial *serial;
    NvPower *power;
    IrqRec irq;
    int out[2]; /* pipe: the serial output; out[0] non-blocking */
} Fx;

static void fx_setup(Fx *fx, gconstpointer data)
{
    (void)data;
    g_autoptr(GError) err = NULL;
    memset(fx, 0, sizeof(*fx));
    g_mutex_init(&fx->irq.lock);
    g_assert_cmpint(pipe2(fx->out, O_CLOEXEC), ==, 0);
    g_assert_cmpint(fcntl(fx->out[0], F_SETFL, O_NONBLOCK), ==, 0);
    fx->bus = nv_io_bus_new();
    fx->serial = nv_serial_new(fx->out[1], irq_rec, &fx->irq, NV_IRQ_COM1);
    fx->power = nv_power_new(&err);
    g_assert_no_error(err);
    /* at their own addresses (NV_PIO_COM1, NV_PIO_PM_BASE, 0x64), which
     * the tests below name as the guest does */
    g_assert_true(nv_serial_attach(fx->bus, fx->serial, &err));
    g_assert_true(nv_power_attach(fx->bus, fx->power, &err));
    g_assert_no_error(err);
}

static void fx_teardown(Fx *fx, gconstpointer data)
{
    (void)data;
    nv_io_bus_free(fx->bus);
    nv_serial_free(fx->serial);
    nv_power_free(fx->power);
    close(fx->out[0]);
    close(fx->out[1]);
    g_mutex_clear(&fx->irq.lock);
}

static uint8_t inb(Fx *fx, uint16_t port)
{
    uint8_t v = 0;
    g_assert_true(nv_io_dispatch(fx->bus, NV_IO_PIO, port, &v, 1, false));
    return v;
}

static void outb(Fx *fx, uint16_t port, uint8_t v)
{
    g_assert_true(nv_io_dispatch(fx->bus, NV_IO_PIO, port, &v, 1, true));
}

/* Everything the UART has sent so far. */
static GString *drain(Fx *fx)
{
    GString *s = g_string_new(NULL);
    char buf[256];
    ssize_t n;
    while ((n = read(fx->out[0], buf, sizeof(buf))) > 0) {
        g_string_append_len(s, buf, n);
    }
    g_assert_true(n == 0 || errno == EAGAIN);
    return s;
}

/* ---- the 8250 driver's probing ---------------------------------------- */

static uint16_t dl_read(Fx *fx)
{
    return inb(fx, RBR) | (uint16_t)(inb(fx, IER) << 8);
}

static void dl_write(Fx *fx, uint16_t dl)
{
    outb(fx, RBR, dl & 0xff);
    outb(fx, IER, dl >> 8);
}

/* size_fifo(): loop back 256 bytes at the fastest rate, count survivors. */
static int size_fifo(Fx *fx)
{
    uint8_t old_lcr = inb(fx, LCR);
    outb(fx, LCR, 0);
    uint8_t old_fcr = inb(fx, IIR); /* Linux reads "FCR", gets IIR */
    uint8_t old_mcr = inb(fx, MCR);
    outb(fx, IIR, 0x07);            /* enable, clear RX and TX */
    outb(fx, MCR, 0x10);            /* loopback */
    outb(fx, LCR, 0x80);
    uint16_t old_dl = dl_read(fx);
    dl_write(fx, 1);
    outb(fx, LCR, 0x03);
    for (int i = 0; i < 256; i++) {
        outb(fx, RBR, (uint8_t)i);
    }
    int count = 0;
    while ((inb(fx, LSR) & 0x01) && count < 256) {
        inb(fx, RBR);
        count++;
    }
    outb(fx, IIR, old_fcr);
    outb(fx, MCR, old_mcr);
    outb(fx, LCR, 0x80);
    dl_write(fx, old_dl);
    outb(fx, LCR, old_lcr);
    return count;
}

/* autoconfig_16550a(): the chip has FIFOs; which one is it? */
static const char *autoconfig_16550a(Fx *fx)
{
    outb(fx, LCR, 0x80);            /* EFR only visible with DLAB: '650V1 */
    if (inb(fx, IIR) == 0) {
        return "ST16650";
    }
    outb(fx, LCR, 0xbf);            /* EFR behind LCR = 0xBF: '650V2 etc. */
    if (inb(fx, IIR) == 0) {
        return "EFR";
    }
    outb(fx, LCR, 0);               /* NatSemi: IIR bit 4 mirrors MCR.LOOP */
    uint8_t s1 = inb(fx, MCR);
    outb(fx, LCR, 0xe0);
    uint8_t s2 = inb(fx, IIR);
    if (!((s2 ^ s1) & 0x10)) {
        outb(fx, LCR, 0);
        outb(fx, MCR, s1 ^ 0x10);
        outb(fx, LCR, 0xe0);
        s2 = inb(fx, IIR);
        outb(fx, LCR, 0);
        outb(fx, MCR, s1);
        if ((s2 ^ s1) & 0x10) {
            return "NS16550A";
        }
    }
    outb(fx, LCR, 0);               /* TI16750: 64-byte FIFO bit in IIR */
    outb(fx, IIR, 0x21);
    s1 = inb(fx, IIR) >> 5;
    outb(fx, IIR, 0x01);
    outb(fx, LCR, 0x80);
    outb(fx, IIR, 0x21);
    s2 = inb(fx, IIR) >> 5;
    outb(fx, IIR, 0x01);
    outb(fx, LCR, 0);
    if (s1 == 6 && s2 == 7) {
        return "16750";
    }
    uint8_t ier = inb(fx, IER);     /* XScale: IER.UUE (bit 6) sticks */
    outb(fx, IER, ier & ~0x40);
    if (!(inb(fx, IER) & 0x40)) {
        outb(fx, IER, ier | 0x40);
        if (inb(fx, IER) & 0x40) {
            return "XScale";
        }
    }
    outb(fx, IER, ier);
    return size_fifo(fx) == 64 ? "U6_16550A" : "16550A";
}

/* autoconfig(): existence, loopback, then IIR's FIFO bits decide. */
static const char *autoconfig(Fx *fx)
{
    uint8_t scratch = inb(fx, IER);
    outb(fx, IER, 0);
    uint8_t s2 = inb(fx, IER) & 0x0f;
    outb(fx, IER, 0x0f);
    uint8_t s3 = inb(fx, IER) & 0x0f;
    outb(fx, IER, scratch);
    if (s2 != 0 || s3 != 0x0f) {
        return "none (IER test)";
    }
    uint8_t save_mcr = inb(fx, MCR), save_lcr = inb(fx, LCR);
    outb(fx, MCR, 0x10 | 0x0a);     /* loopback, OUT2, RTS */
    uint8_t s1 = inb(fx, MSR) & 0xf0;
    outb(fx, MCR, save_mcr);
    if (s1 != 0x90) {
        return "none (loopback test)";
    }
    outb(fx, LCR, 0xbf);            /* EFR := 0 */
    outb(fx, IIR, 0);
    outb(fx, LCR, 0);
    outb(fx, IIR, 0x01);            /* FCR: enable FIFOs */
    const char *type;
    switch (inb(fx, IIR) >> 6) {
    case 0: {                       /* autoconfig_8250(): scratch register */
        uint8_t old = inb(fx, SCR);
        outb(fx, SCR, 0xa5);
        uint8_t a = inb(fx, SCR);
        outb(fx, SCR, 0x5a);
        uint8_t b = inb(fx, SCR);
        outb(fx, SCR, old);
        type = (a == 0xa5 && b == 0x5a) ? "16450" : "8250";
        break;
    }
    case 1:
        type = "unknown";
        break;
    case 2:
        type = "16550";
        break;
    default:
        type = autoconfig_16550a(fx);
        break;
    }
    outb(fx, LCR, save_lcr);
    outb(fx, MCR, save_mcr);        /* reset the UART */
    outb(fx, IIR, 0x01);            /* serial8250_clear_fifos() */
    outb(fx, IIR, 0x07);
    outb(fx, IIR, 0);
    inb(fx, RBR);
    outb(fx, IER, 0);
    return type;
}

#define UART_BUG_THRE 1
#define UART_BUG_TXEN 2

/* serial8250_do_startup(): the THRE re-assert test and the TXEN test. */
static unsigned linux_startup(Fx *fx)
{
    unsigned bugs = 0;
    outb(fx, IIR, 0x01);
    outb(fx, IIR, 0x07);
    outb(fx, IIR, 0);
    inb(fx, LSR);
    inb(fx, RBR);
    inb(fx, IIR);
    inb(fx, MSR);
    g_assert_cmphex(inb(fx, LSR), !=, 0xff); /* "LSR safety check" */
    while (!(inb(fx, LSR) & 0x20)) {
    }
    outb(fx, IER, 0x02);
    uint8_t iir1 = inb(fx, IIR);
    outb(fx, IER, 0);
    outb(fx, IER, 0x02);
    uint8_t iir = inb(fx, IIR);
    outb(fx, IER, 0);
    if (!(iir1 & 0x01) && (iir & 0x01)) {
        bugs |= UART_BUG_THRE;
    }
    outb(fx, LCR, 0x03);
    outb(fx, MCR, 0x0b);            /* DTR, RTS, OUT2 */
    outb(fx, IER, 0x02);
    uint8_t lsr = inb(fx, LSR);
    iir = inb(fx, IIR);
    outb(fx, IER, 0);
    if ((lsr & 0x40) && (iir & 0x01)) {
        bugs |= UART_BUG_TXEN;
    }
    inb(fx, LSR);
    inb(fx, RBR);
    inb(fx, IIR);
    inb(fx, MSR);
    outb(fx, IIR, 0x81);            /* set_termios: FIFO, 8-byte trigger */
    return bugs;
}

static void test_autoconfig(Fx *fx, gconstpointer data)
{
    (void)data;
    g_assert_cmpstr(autoconfig(fx), ==, "16550A");
    /* What it measured on the way. */
    g_assert_cmpint(size_fifo(fx), ==, 16);
    g_assert_cmpuint(linux_startup(fx), ==, 0);
    g_assert_cmphex(inb(fx, IIR), ==, 0xc1); /* FIFOs on, nothing pending */
    /* Loopback traffic never reached the line. */
    g_autoptr(GString) out = drain(fx);
    g_assert_cmpuint(out->len, ==, 0);
    /* All this left the interrupt line low. */
    g_assert_false(irq_level(&fx->irq));
}

static void test_registers(Fx *fx, gconstpointer data)
{
    (void)data;
    /* Scratch, as autoconfig_8250() tests it. */
    outb(fx, SCR, 0xa5);
    g_assert_cmphex(inb(fx, SCR), ==, 0xa5);
    outb(fx, SCR, 0x5a);
    g_assert_cmphex(inb(fx, SCR), ==, 0x5a);
    /* A usable divisor out of reset (probe_baud() divides by it). */
    outb(fx, LCR, 0x80);
    g_assert_cmpuint(dl_read(fx), ==, 1);
    dl_write(fx, 0x0c01);
    g_assert_cmpuint(dl_read(fx), ==, 0x0c01);
    g_assert_cmphex(inb(fx, LCR), ==, 0x80);
    /* DLAB clear: offsets 0 and 1 are RBR and IER again. */
    outb(fx, LCR, 0x03);
    g_assert_cmphex(inb(fx, LCR), ==, 0x03);
    outb(fx, IER, 0xf5);
    g_assert_cmphex(inb(fx, IER), ==, 0x05); /* bits 4-7 read 0 */
    outb(fx, IER, 0);
    g_assert_cmphex(inb(fx, RBR), ==, 0);
    outb(fx, LCR, 0x83);
    g_assert_cmpuint(dl_read(fx), ==, 0x0c01);
    /* A 16-bit write of the divisor is DLL then DLM, as on the ISA bus. */
    uint8_t w[2] = { 0x34, 0x12 };
    g_assert_true(nv_io_dispatch(fx->bus, NV_IO_PIO, RBR, w, 2, true));
    g_assert_cmpuint(dl_read(fx), ==, 0x1234);
    outb(fx, LCR, 0x03);
    /* A 16-bit read at LSR is LSR, MSR. */
    uint8_t r[2] = { 0, 0 };
    g_assert_true(nv_io_dispatch(fx->bus, NV_IO_PIO, LSR, r, 2, false));
    g_assert_cmphex(r[0], ==, 0x60);
    g_assert_cmphex(r[1], ==, 0xb0); /* DCD, DSR, CTS: a peer is there */
    /* Crossing the end of the 8 ports is not ours. */
    uint8_t x[2];
    g_assert_false(nv_io_dispatch(fx->bus, NV_IO_PIO, SCR, x, 2, false));
    g_assert_cmphex(x[0], ==, 0xff);
    /* FIFO enable shows in IIR bits 6-7; the 64-byte bit does not. */
    g_assert_cmphex(inb(fx, IIR), ==, 0x01);
    outb(fx, IIR, 0x21);
    g_assert_cmphex(inb(fx, IIR), ==, 0xc1);
    outb(fx, IIR, 0);
    g_assert_cmphex(inb(fx, IIR), ==, 0x01);
}

static void test_loopback(Fx *fx, gconstpointer data)
{
    (void)data;
    /* MSR follows MCR: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. */
    outb(fx, MCR, 0x10 | 0x0f);
    g_assert_cmphex(inb(fx, MSR), ==, 0xf0); /* only RI rose: no delta */
    outb(fx, MCR, 0x10 | 0x01);
    /* CTS, RI, DCD dropped: DCTS, TERI, DDCD; DSR stayed. */
    g_assert_cmphex(inb(fx, MSR), ==, 0x20 | 0x0d);
    g_assert_cmphex(inb(fx, MSR), ==, 0x20); /* deltas clear on read */
    /* Modem status interrupt, lowest priority, cleared by reading MSR. */
    outb(fx, IER, 0x08);
    g_assert_false(irq_level(&fx->irq));
    outb(fx, MCR, 0x10 | 0x02);
    g_assert_true(irq_level(&fx->irq));
    g_assert_cmphex(inb(fx, IIR), ==, 0x00);
    inb(fx, MSR);
    g_assert_false(irq_level(&fx->irq));
    g_assert_cmphex(inb(fx, IIR), ==, 0x01);
    outb(fx, IER, 0);

    /* Transmitted bytes come back as received data, not on the line. */
    outb(fx, RBR, 'Q');
    g_assert_cmphex(inb(fx, LSR), ==, 0x61);
    g_assert_cmphex(inb(fx, RBR), ==, 'Q');
    /* FIFOs off: one holding register, the second byte overruns. */
    outb(fx, RBR, '1');
    outb(fx, RBR, '2');
    g_assert_cmphex(inb(fx, LSR), ==, 0x63);
    g_assert_cmphex(inb(fx, LSR), ==, 0x61);
    g_assert_cmphex(inb(fx, RBR), ==, '1');
    /* Host input is not connected while looping back. */
    nv_serial_receive(fx->serial, (const uint8_t *)"zz", 2);
    g_assert_cmphex(inb(fx, LSR), ==, 0x60);
    outb(fx, MCR, 0);
    g_assert_cmphex(inb(fx, MSR) & 0xf0, ==, 0xb0);
    g_autoptr(GString) out = drain(fx);
    g_assert_cmpuint(out->len, ==, 0);
}

static void test_transmit(Fx *fx, gconstpointer data)
{
    (void)data;
    /* The console write path: IER off, wait for BOTH_EMPTY, write. */
    const char *msg = "Linux version 6.1\r\n";
    uint8_t ier = inb(fx, IER);
    outb(fx, IER, 0);
    for (const char *p = msg; *p; p++) {
        g_assert_cmphex(inb(fx, LSR) & 0x60, ==, 0x60);
        outb(fx, RBR, (uint8_t)*p);
    }
    outb(fx, IER, ier);
    g_autoptr(GString) out = drain(fx);
    g_assert_cmpstr(out->str, ==, msg);
    g_assert_false(irq_level(&fx->irq));

    /* Output goes to the host a line at a time: a partial line waits for
     * the next register access outside the transmit loop (THR writes and
     * LSR reads), as the IIR read that ends a driver's burst. */
    outb(fx, RBR, '#');
    outb(fx, RBR, ' ');
    g_assert_cmphex(inb(fx, LSR) & 0x20, ==, 0x20);
    g_autoptr(GString) none = drain(fx);
    g_assert_cmpstr(none->str, ==, "");
    (void)inb(fx, IIR);
    g_autoptr(GString) prompt = drain(fx);
    g_assert_cmpstr(prompt->str, ==, "# ");

    /* All 256 byte values go out unchanged, FIFOs on or off (the FCR
     * write flushes nothing: the buffer is empty). */
    outb(fx, IIR, 0x07);
    for (int i = 0; i < 256; i++) {
        outb(fx, RBR, (uint8_t)i);
    }
    outb(fx, IER, 0); /* __stop_tx(): flushes the rest */
    g_autoptr(GString) bin = drain(fx);
    g_assert_cmpuint(bin->len, ==, 256);
    for (int i = 0; i < 256; i++) {
        g_assert_cmpuint((uint8_t)bin->str[i], ==, i);
    }
}

static void test_no_output(void)
{
    /* out_fd < 0 and no interrupt wiring: output is dropped quietly. */
    NvSerial *s = nv_serial_new(-1, NULL, NULL, 0);
    NvIoBus *bus = nv_io_bus_new();
    g_assert_true(nv_serial_attach(bus, s, NULL));
    uint8_t v = 0x02;
    nv_io_dispatch(bus, NV_IO_PIO, IER, &v, 1, true);
    for (int i = 0; i < 100; i++) {
        v = 'x';
        nv_io_dispatch(bus, NV_IO_PIO, RBR, &v, 1, true);
    }
    nv_io_dispatch(bus, NV_IO_PIO, IIR, &v, 1, false);
    g_assert_cmphex(v, ==, 0x02);
    nv_io_bus_free(bus);
    nv_serial_free(s);
}

static void test_thre_irq(Fx *fx, gconstpointer data)
{
    (void)data;
    g_assert_false(irq_level(&fx->irq));
    outb(fx, IER, 0x02);
    g_assert_true(irq_level(&fx->irq));
    g_assert_cmphex(inb(fx, IIR), ==, 0x02);
    /* Reading IIR acknowledged it. */
    g_assert_false(irq_level(&fx->irq));
    g_assert_cmphex(inb(fx, IIR), ==, 0x01);
    /* The byte leaves at once, THR is empty again: re-asserted. */
    outb(fx, RBR, 'a');
    g_assert_true(irq_level(&fx->irq));
    outb(fx, IIR, 0x01);
    g_assert_cmphex(inb(fx, IIR), ==, 0xc2);
    outb(fx, RBR, 'b');
    g_assert_true(irq_level(&fx->irq));
    /* __stop_tx(): clearing IER.THRI drops the line. */
    outb(fx, IER, 0);
    g_assert_false(irq_level(&fx->irq));
    g_assert_cmphex(inb(fx, IIR), ==, 0xc1);
    /* Writing IER with THRI again while already set does not re-arm an
     * acknowledged interrupt; clearing and setting it does. */
    outb(fx, IER, 0x02);
    g_assert_cmphex(inb(fx, IIR), ==, 0xc2);
    outb(fx, IER, 0x03);
    g_assert_cmphex(inb(fx, IIR), ==, 0xc1);
    g_assert_false(irq_level(&fx->irq));
    g_assert_cmpuint(fx->irq.raises, ==, 4);
    g_assert_cmpuint(fx->irq.lowers, ==, 4);
    g_autoptr(GString) out = drain(fx);
    g_assert_cmpstr(out->str, ==, "ab");
}

static void test_receive(Fx *fx, gconstpointer data)
{
    (void)data;
    g_assert_cmphex(inb(fx, LSR), ==, 0x60);
    outb(fx, IIR, 0x81);
    nv_serial_receive(fx->serial, (const uint8_t *)"ab", 2);
    /* Queued and flagged, but no interrupt until the guest enables it. */
    g_assert_cmphex(inb(fx, LSR), ==, 0x61);
    g_assert_false(irq_level(&fx->irq));
    outb(fx, IER, 0x01);
    g_assert_true(irq_level(&fx->irq));
    g_assert_cmphex(inb(fx, IIR), ==, 0xc4);
    g_assert_cmphex(inb(fx, RBR), ==, 'a');
    g_assert_true(irq_level(&fx->irq)); /* IIR read does not ack RX */
    g_assert_cmphex(inb(fx, RBR), ==, 'b');
    g_assert_false(irq_level(&fx->irq));
    g_assert_cmphex(inb(fx, LSR), ==, 0x60);
    /* Input arriving with the interrupt enabled raises it at once. */
    nv_serial_receive(fx->serial, (const uint8_t *)"c", 1);
    g_assert_true(irq_level(&fx->irq));
    nv_serial_receive(fx->serial, NULL, 0);
    /* Received data outranks THR empty. */
    outb(fx, IER, 0x03);
    g_assert_cmphex(inb(fx, IIR), ==, 0xc4);
    g_assert_cmphex(inb(fx, RBR), ==, 'c');
    g_assert_cmphex(inb(fx, IIR), ==, 0xc2);
    g_assert_false(irq_level(&fx->irq));
    /* Changing FIFO enable, or FCR bit 1, throws input away. */
    nv_serial_receive(fx->serial, (const uint8_t *)"de", 2);
    outb(fx, IIR, 0x83);
    g_assert_cmphex(inb(fx, LSR), ==, 0x60);
    nv_serial_receive(fx->serial, (const uint8_t *)"f", 1);
    outb(fx, IIR, 0);
    g_assert_cmphex(inb(fx, LSR), ==, 0x60);
    g_assert_false(irq_level(&fx->irq));
}

static void test_overflow(Fx *fx, gconstpointer data)
{
    (void)data;
    enum { N = 4096, EXTRA = 1000 };
    g_autofree uint8_t *buf = g_malloc(N + EXTRA);
    for (unsigned i = 0; i < N + EXTRA; i++) {
        buf[i] = (uint8_t)(i * 7 + i / 256);
    }
    nv_serial_receive(fx->serial, buf, N / 2);
    nv_serial_receive(fx->serial, buf + N / 2, N / 2 + EXTRA);
    /* Receiver line status interrupt for the overrun; LSR read clears. */
    outb(fx, IER, 0x04);
    g_assert_true(irq_level(&fx->irq));
    g_assert_cmphex(inb(fx, IIR), ==, 0x06);
    g_assert_cmphex(inb(fx, LSR), ==, 0x63);
    g_assert_false(irq_level(&fx->irq));
    g_assert_cmphex(inb(fx, LSR), ==, 0x61);
    /* The first N bytes, in order; the rest was dropped. */
    for (unsigned i = 0; i < N; i++) {
        g_assert_cmphex(inb(fx, LSR) & 0x01, ==, 0x01);
        g_assert_cmphex(inb(fx, RBR), ==, buf[i]);
    }
    g_assert_cmphex(inb(fx, LSR), ==, 0x60);
    /* The queue wraps around cleanly. */
    for (unsigned round = 0; round < 3; round++) {
        nv_serial_receive(fx->serial, buf, 3000);
        for (unsigned i = 0; i < 3000; i++) {
            g_assert_cmphex(inb(fx, RBR), ==, buf[i]);
        }
    }
    g_assert_cmphex(inb(fx, LSR), ==, 0x60);
}

/* The stdin reader thread and a vCPU thread at once (run under TSan). */
typedef struct {
    NvSerial *serial;
    gint consumed;
    unsigned total;
} Producer;

static uint8_t pattern(unsigned i)
{
    return (uint8_t)(i * 31 + (i >> 8));
}

static gpointer producer(gpointer opaque)
{
    Producer *p = opaque;
    uint8_t chunk[61];
    for (unsigned sent = 0; sent < p->total;) {
        /* Stay below the queue size so that nothing is dropped and the
         * consumer can check every byte. */
        if (sent - (unsigned)g_atomic_int_get(&p->consumed) > 4000) {
            g_thread_yield();
            continue;
        }
        unsigned n = MIN(sizeof(chunk), p->total - sent);
        for (unsigned i = 0; i < n; i++) {
            chunk[i] = pattern(sent + i);
        }
        nv_serial_receive(p->serial, chunk, n);
        sent += n;
    }
    return NULL;
}

typedef struct {
    Fx *fx;
    gint stop;
} Writer;

static gpointer writer(gpointer opaque)
{
    Writer *w = opaque;
    Fx *fx = w->fx;
    unsigned n = 0;
    while (!g_atomic_int_get(&w->stop)) {
        /* A second vCPU printing, and an interrupt handler reading IIR. */
        uint8_t v = 'w';
        nv_io_dispatch(fx->bus, NV_IO_PIO, RBR, &v, 1, true);
        nv_io_dispatch(fx->bus, NV_IO_PIO, IIR, &v, 1, false);
        if (++n % 64 == 0) {
            g_string_free(drain(fx), TRUE); /* keep the pipe from filling */
        }
    }
    return NULL;
}

static void test_concurrent(Fx *fx, gconstpointer data)
{
    (void)data;
    Producer p = { fx->serial, 0, 200000 };
    Writer w = { fx, 0 };
    outb(fx, IIR, 0x81);
    outb(fx, IER, 0x03);
    GThread *tp = g_thread_new("producer", producer, &p);
    GThread *tw = g_thread_new("writer", writer, &w);
    unsigned got = 0;
    while (got < p.total) {
        if (!(inb(fx, LSR) & 0x01)) {
            g_thread_yield();
            continue;
        }
        uint8_t b = inb(fx, RBR);
        g_assert_cmphex(b, ==, pattern(got));
        got++;
        g_atomic_int_set(&p.consumed, (gint)got);
    }
    g_thread_join(tp);
    g_atomic_int_set(&w.stop, 1);
    g_thread_join(tw);
    g_assert_cmphex(inb(fx, LSR), ==, 0x60); /* no overrun, all read */
    outb(fx, IER, 0);
    g_assert_false(irq_level(&fx->irq));
    g_assert_cmpuint(fx->irq.raises, ==, fx->irq.lowers);
    g_string_free(drain(fx), TRUE);
}

/* ---- power ------------------------------------------------------------ */

static bool fd_readable(int fd)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
}

static uint64_t fd_take(int fd)
{
    uint64_t v = 0;
    g_assert_cmpint(read(fd, &v, sizeof(v)), ==, sizeof(v));
    return v;
}

static void test_s5(Fx *fx, gconstpointer data)
{
    (void)data;
    int fd = nv_power_fd(fx->power);
    g_assert_cmpint(fd, >=, 0);
    g_assert_false(fd_readable(fd));
    /* acpi_hw_extended_sleep(S5): clear WAK_STS, write SLP_TYP|SLP_EN,
     * then poll for WAK_STS, which must not come: the guest waits there
     * until the VMM has switched it off. */
    g_assert_cmphex(inb(fx, PM_STS), ==, NV_ACPI_WAK_STS);
    outb(fx, PM_STS, NV_ACPI_WAK_STS);
    g_assert_cmpint(nv_power_request(fx->power), ==, NV_POWER_NONE);
    outb(fx, PM_CTL, S5_SLEEP);
    g_assert_cmpint(nv_power_request(fx->power), ==, NV_POWER_OFF);
    g_assert_cmphex(inb(fx, PM_STS) & NV_ACPI_WAK_STS, ==, 0);
    g_assert_true(fd_readable(fd));
    g_assert_cmpuint(fd_take(fd), ==, 1);
    /* Latched, not consumed by reading it. */
    g_assert_cmpint(nv_power_request(fx->power), ==, NV_POWER_OFF);
    /* Write-only and spare registers read 0. */
    g_assert_cmphex(inb(fx, PM_CTL), ==, 0);
    g_assert_cmphex(inb(fx, PM_RESET), ==, 0);
    g_assert_cmphex(inb(fx, NV_PIO_PM_BASE + 3), ==, 0);
}

static void test_sleep_ignored(Fx *fx, gconstpointer data)
{
    (void)data;
    if (!g_test_subprocess()) {
        /* In a child, to check what it says on stderr: one line, once. */
        g_test_trap_subprocess(NULL, 0, 0);
        g_test_trap_assert_passed();
        g_test_trap_assert_stderr(
            "nvemu: guest asked for sleep state 3, not supported\n");
        return;
    }
    /* S5's type without SLP_EN: nothing, not even a message. */
    outb(fx, PM_CTL, NV_ACPI_S5_SLP_TYP << 2);
    /* SLP_EN with another type: no request, and acpi_hw_extended_sleep()
     * sees WAK_STS at once (an instant wake-up) instead of hanging. */
    outb(fx, PM_STS, NV_ACPI_WAK_STS);
    outb(fx, PM_CTL, (3 << 2) | NV_ACPI_SLP_EN);
    g_assert_cmphex(inb(fx, PM_STS), ==, NV_ACPI_WAK_STS);
    outb(fx, PM_CTL, (3 << 2) | NV_ACPI_SLP_EN);
    outb(fx, PM_CTL, NV_ACPI_SLP_EN);
    outb(fx, PM_CTL, (7 << 2) | NV_ACPI_SLP_EN);
    g_assert_cmpint(nv_power_request(fx->power), ==, NV_POWER_NONE);
    g_assert_cmphex(inb(fx, PM_STS), ==, NV_ACPI_WAK_STS);
    g_assert_false(fd_readable(nv_power_fd(fx->power)));
}

static void test_reset_register(Fx *fx, gconstpointer data)
{
    (void)data;
    outb(fx, PM_RESET, NV_ACPI_RESET_VALUE + 1);
    outb(fx, PM_RESET, 0);
    g_assert_cmpint(nv_power_request(fx->power), ==, NV_POWER_NONE);
    g_assert_false(fd_readable(nv_power_fd(fx->power)));
    outb(fx, PM_RESET, NV_ACPI_RESET_VALUE);
    g_assert_cmpint(nv_power_request(fx->power), ==, NV_POWER_RESET);
    g_assert_cmpuint(fd_take(nv_power_fd(fx->power)), ==, 1);
    /* Not a power-off: sleep status still says "awake". */
    g_assert_cmphex(inb(fx, PM_STS), ==, NV_ACPI_WAK_STS);
}

static void test_i8042(Fx *fx, gconstpointer data)
{
    (void)data;
    /* kb_wait(): input buffer empty, so 0xFE goes out at once. */
    g_assert_cmphex(inb(fx, I8042_CMD) & 0x02, ==, 0);
    g_assert_cmphex(inb(fx, I8042_CMD), ==, 0);
    outb(fx, I8042_CMD, 0x20); /* "read CTR": no controller, ignored */
    outb(fx, I8042_CMD, 0xff);
    g_assert_cmpint(nv_power_request(fx->power), ==, NV_POWER_NONE);
    outb(fx, I8042_CMD, 0xfe);
    g_assert_cmpint(nv_power_request(fx->power), ==, NV_POWER_RESET);
    g_assert_true(fd_readable(nv_power_fd(fx->power)));
    /* The data port is not ours: it floats. */
    uint8_t v = 0;
    g_assert_false(nv_io_dispatch(fx->bus, NV_IO_PIO, 0x60, &v, 1, false));
    g_assert_cmphex(v, ==, 0xff);
}

static void test_off_wins(Fx *fx, gconstpointer data)
{
    (void)data;
    /* Power-off, then the reset Linux may still try: off it is. */
    outb(fx, PM_CTL, S5_SLEEP);
    outb(fx, PM_RESET, NV_ACPI_RESET_VALUE);
    outb(fx, I8042_CMD, 0xfe);
    g_assert_cmpint(nv_power_request(fx->power), ==, NV_POWER_OFF);
    /* The other order too, on a second machine. */
    NvPower *p = nv_power_new(NULL);
    g_assert_nonnull(p);
    uint8_t v = 0xfe;
    nv_power_i8042_io(p, 0, &v, 1, true);
    g_assert_cmpint(nv_power_request(p), ==, NV_POWER_RESET);
    v = S5_SLEEP;
    nv_power_pm_io(p, 0, &v, 1, true);
    g_assert_cmpint(nv_power_request(p), ==, NV_POWER_OFF);
    /* Each eventfd was signalled once, for the first request. */
    g_assert_cmpuint(fd_take(nv_power_fd(fx->power)), ==, 1);
    g_assert_cmpuint(fd_take(nv_power_fd(p)), ==, 1);
    g_assert_false(fd_readable(nv_power_fd(p)));
    nv_power_free(p);
}

static void test_latch_wake(Fx *fx, gconstpointer data)
{
    (void)data;
    int fd = nv_power_fd(fx->power);
    /* A fatal vCPU error wakes the main loop without a request. */
    nv_power_wake(fx->power);
    g_assert_true(fd_readable(fd));
    g_assert_cmpuint(fd_take(fd), ==, 1);
    g_assert_cmpint(nv_power_request(fx->power), ==, NV_POWER_NONE);
    nv_power_latch(fx->power, NV_POWER_NONE);
    g_assert_false(fd_readable(fd));
    /* A triple fault is latched as a reset, and the guest's S5 still
     * wins over it. */
    nv_power_latch(fx->power, NV_POWER_RESET);
    g_assert_cmpint(nv_power_request(fx->power), ==, NV_POWER_RESET);
    outb(fx, PM_CTL, S5_SLEEP);
    g_assert_cmpint(nv_power_request(fx->power), ==, NV_POWER_OFF);
    nv_power_latch(fx->power, NV_POWER_RESET);
    g_assert_cmpint(nv_power_request(fx->power), ==, NV_POWER_OFF);
    g_assert_cmpuint(fd_take(fd), ==, 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) \
    g_test_add(path, Fx, NULL, fx_setup, fn, fx_teardown)
    ADD("/serial/autoconfig", test_autoconfig);
    ADD("/serial/registers", test_registers);
    ADD("/serial/loopback", test_loopback);
    ADD("/serial/transmit", test_transmit);
    g_test_add_func("/serial/no-output", test_no_output);
    ADD("/serial/thre-irq", test_thre_irq);
    ADD("/serial/receive", test_receive);
    ADD("/serial/overflow", test_overflow);
    ADD("/serial/concurrent", test_concurrent);
    ADD("/power/s5", test_s5);
    ADD("/power/sleep-ignored", test_sleep_ignored);
    ADD("/power/reset-register", test_reset_register);
    ADD("/power/i8042", test_i8042);
    ADD("/power/off-wins", test_off_wins);
    ADD("/power/latch-wake", test_latch_wake);
#undef ADD
    return g_test_run();
}
