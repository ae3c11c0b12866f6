/*
 * tests/spawn.h — run a program under test (its path in an environment
 * variable, as meson sets it) the way a user would, and collect what it
 * printed and how it exited.
 */
#ifndef NVEMU_TESTS_SPAWN_H
#define NVEMU_TESTS_SPAWN_H

#include <glib.h>
#include <stdbool.h>
#include <sys/wait.h>

/* Run $@env_var with @args (NULL-terminated) in @dir (NULL: here); *status
 * is the exit code, or 128 + the signal. False if it could not start. */
static inline bool nv_test_run(const char *env_var, const char *dir,
                               const char *const *args, char **out,
                               char **err, int *status)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_ptr_array_add(argv, (char *)g_getenv(env_var));
    for (int i = 0; args[i]; i++) {
        g_ptr_array_add(argv, (char *)args[i]);
    }
    g_ptr_array_add(argv, NULL);
    g_autoptr(GError) e = NULL;
    gint wait = 0;
    if (!g_spawn_sync(dir, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL,
                      NULL, out, err, &wait, &e)) {
        g_test_message("spawn of $%s failed: %s", env_var, e->message);
        return false;
    }
    *status = WIFEXITED(wait) ? WEXITSTATUS(wait) : 128 + WTERMSIG(wait);
    return true;
}

#endif
