/* Checkpoint files: changelog positions of a task after a commit (see state.h).
 *
 * Text, so an operator can read it:
 *   walleye-checkpoint 1
 *   <topic> <partition> <offset>      (one line per changelog partition)
 *   crc32 <8 hex digits>              (of every byte before this line)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/base/buf.h"
#include "state/state.h"

#define CKPT_HEADER "walleye-checkpoint 1\n"

static uint32_t crc32_of(const char *p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) {
    c ^= (unsigned char)p[i];
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & -(c & 1));
  }
  return ~c;
}

static bool write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= (size_t)w;
  }
  return true;
}

wy_status_t wy_checkpoint_write(const char *path, const wy_checkpoint_entry_t *e, size_t n,
                                wy_error_t *err) {
  size_t cap = sizeof CKPT_HEADER + n * (sizeof e->topic + 48) + 32;
  char *buf = malloc(cap);
  if (!buf) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  size_t len = (size_t)snprintf(buf, cap, "%s", CKPT_HEADER);
  for (size_t i = 0; i < n; i++)
    len += (size_t)snprintf(buf + len, cap - len, "%s %" PRId32 " %" PRId64 "\n", e[i].topic,
                            e[i].partition, e[i].offset);
  len += (size_t)snprintf(buf + len, cap - len, "crc32 %08x\n", crc32_of(buf, len));
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  bool ok = fd >= 0 && write_all(fd, buf, len) && fsync(fd) == 0;
  int saved = errno;
  if (fd >= 0 && close(fd) != 0) ok = false;
  free(buf);
  if (ok && rename(tmp, path) != 0) {
    ok = false;
    saved = errno;
  }
  if (!ok) {
    unlink(tmp);
    return wy_error_set(err, WY_ERR_IO, "cannot write checkpoint %s: %s", path, strerror(saved));
  }
  /* The rename is durable only once the directory is synced. */
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", path);
  int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return WY_OK;
}

wy_status_t wy_checkpoint_read(const char *path, wy_checkpoint_entry_t **out, size_t *n,
                               wy_error_t *err) {
  *out = NULL;
  *n = 0;
  FILE *f = fopen(path, "rb");
  if (!f) {
    if (errno == ENOENT) return wy_error_set(err, WY_ERR_NOT_FOUND, "no checkpoint %s", path);
    return wy_error_set(err, WY_ERR_IO, "cannot read %s: %s", path, strerror(errno));
  }
  /* A checkpoint is a few lines: a file past 64 MiB is not one, and is not read. */
  struct stat sb;
  if (fstat(fileno(f), &sb) == 0 && sb.st_size > (64 << 20)) {
    fclose(f);
    return wy_error_set(err, WY_ERR_DECODE, "checkpoint %s is corrupt", path);
  }
  wy_buf_t text;
  wy_buf_init(&text);
  bool read = wy_buf_read(&text, f);
  fclose(f);
  char *buf = read ? wy_buf_cstr(&text) : NULL;
  if (!buf) {
    bool oom = text.oom;
    wy_buf_free(&text);
    if (oom) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    return wy_error_set(err, WY_ERR_IO, "cannot read %s", path);
  }
  size_t len = text.len;
  wy_status_t st = WY_OK;
  /* The checksum line is the last one; everything before it is covered. */
  char *crcline = len ? buf + len - 1 : buf;
  while (crcline > buf && crcline[-1] != '\n') crcline--;
  if (crcline > buf && crcline[0] == '\0') { /* file ends without the crc line */
    crcline = NULL;
  }
  unsigned crc;
  if (strncmp(buf, CKPT_HEADER, strlen(CKPT_HEADER)) != 0 || !crcline ||
      sscanf(crcline, "crc32 %8x\n", &crc) != 1 || crc != crc32_of(buf, (size_t)(crcline - buf)))
    st = wy_error_set(err, WY_ERR_DECODE, "checkpoint %s is corrupt", path);
  size_t lines = 0;
  for (char *p = buf; st == WY_OK && p < crcline; p++) lines += *p == '\n';
  wy_checkpoint_entry_t *e = st == WY_OK ? calloc(lines ? lines : 1, sizeof *e) : NULL;
  if (st == WY_OK && !e) st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  char *line = buf + strlen(CKPT_HEADER);
  size_t k = 0;
  while (st == WY_OK && line < crcline) {
    char *nl = strchr(line, '\n');
    *nl = '\0';
    char fmt[32];
    snprintf(fmt, sizeof fmt, "%%%zus %%" SCNd32 " %%" SCNd64 "%%n", sizeof e->topic - 1);
    int used = 0;
    if (sscanf(line, fmt, e[k].topic, &e[k].partition, &e[k].offset, &used) != 3 || line[used] ||
        e[k].offset < 0 || e[k].partition < 0)
      st = wy_error_set(err, WY_ERR_DECODE, "checkpoint %s is corrupt", path);
    k++;
    line = nl + 1;
  }
  wy_buf_free(&text);
  if (st != WY_OK) {
    free(e);
    return st;
  }
  *out = e;
  *n = k;
  return WY_OK;
}
