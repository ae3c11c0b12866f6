/*
 * machine/machine.h — an umbrella for callers that use most of machine/
 * (main.c, the machine object): each part has its own header, and a
 * caller that uses one or two of them includes those instead.
 *   config.h     command line and configuration (parse, plan, realize)
 *   daemonize.h  -daemonize
 *   board.h      NvBoard: RAM, DIMMs, the devices on the bus
 *   boot.h       direct Linux boot and its preflight checks
 *   acpi.h       NvConfig -> acpi-nfit, installing or dumping the tables
 *   kvm.h        the /dev/kvm probe (the VM itself: vm.h)
 *   signals.h    signals, faults, the terminal
 * machine/ is the only part that opens /dev/kvm (kvm.c); the devices on
 * its bus are devices/'s.
 */
#ifndef NVEMU_MACHINE_H
#define NVEMU_MACHINE_H

#include "acpi.h"
#include "board.h"
#include "boot.h"
#include "config.h"
#include "daemonize.h"
#include "flush-hint.h"
#include "kvm.h"
#include "signals.h"

#endif
