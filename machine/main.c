/*
 * machine/main.c — the nvemu program: parse, plan, then act.
 */
#include "machine.h"

int main(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(NvConfig) cfg = nv_config_parse(argc, argv, &err);

    if (!cfg) {
        fprintf(stderr, "nvemu: %s\n", err->message);
        return 1;
    }
    if (cfg->help) {
        nv_config_print_usage(stdout);
        return 0;
    }
    if (cfg->version) {
        printf("nvemu %s\n", NVEMU_VERSION);
        return 0;
    }
    if (!nv_config_plan(cfg, &err)) {
        fprintf(stderr, "nvemu: %s\n", err->message);
        return 1;
    }
    if (cfg->print_memory_map) {
        nv_config_print_memory_map(cfg, stdout);
        return 0;
    }
    /* Booting a guest on KVM arrives with the machine issue; until then
     * nothing is created or mapped (nv_config_realize is not called). */
    fprintf(stderr, "nvemu: booting a guest is not implemented yet; "
            "use --print-memory-map to see the planned machine\n");
    return 1;
}
