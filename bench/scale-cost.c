/*
 * bench/scale-cost.c — does planning a machine and building its ACPI
 * tables stay linear in the number of NVDIMMs (issue 14, point 4)? Times
 * nv_config_parse, nv_config_plan and nv_acpi_build (through
 * nv_config_acpi, as a boot does) for 1, 8, 64 and 256 NVDIMMs, without
 * KVM and without creating a file: backends are files that do not exist
 * yet (plan only inspects them).
 *
 *   build/bench/scale-cost KERNEL [REPEATS [COUNT...]]
 *
 * KERNEL is any bzImage (plan checks it). COUNTs replace the default
 * 1 8 64 256. Each NVDIMM: 128 MiB with a
 * 128 KiB label area. Prints per count the median over REPEATS (default
 * 21) in microseconds, per DIMM, and the size of the NFIT and SSDT.
 */
#include "bench-time.h"
#include "config.h"
#include "acpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), bench_cmp_double);
    return v[n / 2];
}

static GPtrArray *make_argv(const char *kernel, const char *dir, unsigned n)
{
    GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(a, g_strdup("nvemu"));
    g_ptr_array_add(a, g_strdup("-machine"));
    g_ptr_array_add(a, g_strdup("pc,nvdimm=on"));
    g_ptr_array_add(a, g_strdup("-m"));
    g_ptr_array_add(a, g_strdup_printf("512M,slots=%u,maxmem=%uM", n,
                                       512 + n * 128));
    g_ptr_array_add(a, g_strdup("-kernel"));
    g_ptr_array_add(a, g_strdup(kernel));
    for (unsigned i = 0; i < n; i++) {
        g_ptr_array_add(a, g_strdup("-object"));
        g_ptr_array_add(a, g_strdup_printf(
            "memory-backend-file,id=mem%u,share=on,mem-path=%s/pmem%u.img,"
            "size=%uK", i, dir, i, 128 * 1024 + 128));
        g_ptr_array_add(a, g_strdup("-device"));
        g_ptr_array_add(a, g_strdup_printf(
            "nvdimm,id=nv%u,memdev=mem%u,label-size=128K", i, i));
    }
    g_ptr_array_add(a, NULL);
    return a;
}

static const NvAcpiTable *find(const NvAcpiTables *t, const char *sig)
{
    for (guint i = 0; i < t->tables->len; i++) {
        const NvAcpiTable *tab = g_ptr_array_index(t->tables, i);
        if (strncmp(tab->sig, sig, 4) == 0) {
            return tab;
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: scale-cost KERNEL [REPEATS]\n");
        return 2;
    }
    int reps = argc > 2 ? atoi(argv[2]) : 21;
    g_autofree char *dir = g_dir_make_tmp("nvemu-scale-XXXXXX", NULL);
    unsigned counts[16] = { 1, 8, 64, 256 };
    size_t ncounts = 4;
    if (argc > 3) {
        ncounts = 0;
        for (int i = 3; i < argc && ncounts < G_N_ELEMENTS(counts); i++) {
            counts[ncounts++] = (unsigned)atoi(argv[i]);
        }
    }
    printf("%6s %12s %12s %12s %12s %10s %8s %8s\n", "dimms", "parse-us",
           "plan-us", "acpi-us", "plan+acpi", "per-dimm", "nfit-B", "ssdt-B");
    for (size_t c = 0; c < ncounts; c++) {
        unsigned n = counts[c];
        double *tp = g_new(double, reps), *tl = g_new(double, reps),
               *ta = g_new(double, reps);
        size_t nfit = 0, ssdt = 0;
        for (int r = 0; r < reps; r++) {
            g_autoptr(GPtrArray) a = make_argv(argv[1], dir, n);
            g_autoptr(GError) err = NULL;
            double s = bench_now_us();
            g_autoptr(NvConfig) cfg =
                nv_config_parse((int)a->len - 1, (char **)a->pdata, &err);
            tp[r] = bench_now_us() - s;
            if (!cfg) {
                printf("%6u parse failed: %s\n", n, err->message);
                goto next;
            }
            s = bench_now_us();
            bool ok = nv_config_plan(cfg, &err);
            tl[r] = bench_now_us() - s;
            if (!ok) {
                printf("%6u plan failed: %s\n", n, err->message);
                goto next;
            }
            NvAcpiConfig acpi;
            s = bench_now_us();
            nv_config_acpi(cfg, &acpi);
            g_autoptr(NvAcpiTables) t = nv_acpi_build(&acpi, &err);
            ta[r] = bench_now_us() - s;
            if (!t) {
                printf("%6u acpi failed: %s\n", n, err->message);
                goto next;
            }
            const NvAcpiTable *nf = find(t, "NFIT"), *ss = find(t, "SSDT");
            nfit = nf ? nf->data->len : 0;
            ssdt = ss ? ss->data->len : 0;
        }
        double p = median(tp, reps), l = median(tl, reps),
               ac = median(ta, reps);
        printf("%6u %12.1f %12.1f %12.1f %12.1f %10.2f %8zu %8zu\n", n, p, l,
               ac, l + ac, (l + ac) / n, nfit, ssdt);
    next:
        g_free(tp);
        g_free(tl);
        g_free(ta);
    }
    rmdir(dir);
    return 0;
}
