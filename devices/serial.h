/*
 * devices/serial.h — COM1 (serial.c) and its DSDT fragment.
 */
#ifndef NVEMU_DEVICES_SERIAL_H
#define NVEMU_DEVICES_SERIAL_H

#include "aml.h"
#include "bus.h"

#include <stddef.h>

#define NV_PIO_COM1          0x3F8
#define NV_IRQ_COM1          4
#define NV_COM1_PORTS        8

/*
 * 16550A UART (COM1 at 0x3F8, IRQ 4): what Linux's 8250 driver needs to
 * detect "a 16550A" (a 16-byte FIFO: 64 would make it a U6_16550A). Output bytes go
 * to @out_fd; nv_serial_receive() queues input (thread-safe) and raises
 * the interrupt when the guest enabled it. nv_serial_attach() registers it
 * on the bus.
 */
typedef struct NvSerial NvSerial;
NvSerial *nv_serial_new(int out_fd, NvIrqFn irq, void *irq_opaque,
                        unsigned irq_num);
void nv_serial_free(NvSerial *s);
void nv_serial_io(void *opaque, uint64_t offset, uint8_t *data, unsigned len,
                  bool is_write);
void nv_serial_receive(NvSerial *s, const uint8_t *buf, size_t len);
/* Device (COM1), PNP0501, for the DSDT's \_SB scope (aml.h). */
NvAml *nv_serial_aml(void);
/* Register @s's NV_COM1_PORTS ports at NV_PIO_COM1 on @bus. */
bool nv_serial_attach(NvIoBus *bus, NvSerial *s, GError **errp);

#endif
