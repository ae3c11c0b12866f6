/*
 * machine/daemonize.c — -daemonize, as QEMU's: the parent returns to its
 * shell only once the guest is about to run (exit 0), or with the child's
 * own status when the start fails (the child has said why on stderr).
 */
#include "daemonize.h"
#include "util.h"

#include <stdio.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

static int ready_fd = -1; /* the child's end of the pipe, until ready */

bool nv_daemon_start(GError **errp)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        g_set_error(errp, NV_ERROR, NV_ERROR_IO, "-daemonize: pipe: %s",
                    g_strerror(errno));
        return false;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int err = errno;
        close(p[0]);
        close(p[1]);
        g_set_error(errp, NV_ERROR, NV_ERROR_IO, "-daemonize: fork: %s",
                    g_strerror(err));
        return false;
    }
    if (pid > 0) {
        /* The parent: never returns, never removes a file (the child
         * owns them now). */
        char c = 0;
        ssize_t n;
        close(p[1]);
        do {
            n = read(p[0], &c, 1);
        } while (n < 0 && errno == EINTR);
        if (n == 1 && c == 'R') {
            _exit(0);
        }
        int st = 0;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
        _exit(WIFEXITED(st) && WEXITSTATUS(st) ? WEXITSTATUS(st) : 1);
    }
    close(p[0]);
    ready_fd = p[1];
    setsid(); /* no controlling terminal, out of the shell's job control */
    return true;
}

void nv_daemon_ready(void)
{
    if (ready_fd < 0) {
        return;
    }
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        if (null > STDERR_FILENO) {
            close(null);
        }
    }
    ssize_t n;
    do {
        n = write(ready_fd, "R", 1);
    } while (n < 0 && errno == EINTR);
    close(ready_fd);
    ready_fd = -1;
}
