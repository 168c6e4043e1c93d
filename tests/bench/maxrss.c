/* Runs a command and prints its wall time and peak RSS, measured from a tiny parent: a child
 * forked from a big process (Python) would carry the parent's pages into ru_maxrss. */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: maxrss COMMAND [ARGS...]\n");
    return 2;
  }
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  pid_t pid = fork();
  if (pid == 0) {
    execvp(argv[1], argv + 1);
    _exit(127);
  }
  int status = 0;
  struct rusage ru;
  wait4(pid, &status, 0, &ru);
  clock_gettime(CLOCK_MONOTONIC, &b);
  double seconds = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
  fprintf(stderr, "maxrss_kib=%ld seconds=%.6f\n", ru.ru_maxrss, seconds);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}
