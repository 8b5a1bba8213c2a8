/* registry_server — the project's Schema Registry test server as a program, for
 * integration tests and demos: listens on 127.0.0.1 only, prints its port, runs until
 * stdin closes or it gets a line.
 *
 *   registry_server [port] [user:password]
 */
#include <stdio.h>
#include <stdlib.h>

#include "engine/registry/server.h"

int main(int argc, char **argv) {
  wy_error_t err;
  wy_sr_server_t *s =
      wy_sr_server_start(argc > 1 ? atoi(argv[1]) : 0, argc > 2 ? argv[2] : NULL, &err);
  if (!s) {
    fprintf(stderr, "registry_server: %s\n", err.msg);
    return 1;
  }
  printf("%d\n", wy_sr_server_port(s));
  fflush(stdout);
  char line[16];
  (void)!fgets(line, sizeof line, stdin);
  wy_sr_server_stop(s);
  return 0;
}
