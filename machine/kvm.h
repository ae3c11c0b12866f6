/*
 * machine/kvm.h — KVM (kvm.c: the only code that opens /dev/kvm).
 */
#ifndef NVEMU_MACHINE_KVM_H
#define NVEMU_MACHINE_KVM_H

#include <glib.h>
#include <stdbool.h>

/* Can this /dev/kvm boot Linux? Missing, no permission, lacking
 * capabilities or PVM-based: a one-line reason naming the test-host
 * runner. */
bool nv_kvm_probe(GError **errp);
/* The VM of one boot and the machine around it: vm.h. */

#endif
