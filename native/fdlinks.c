// fdlinks: every link in a /proc/PID/fd folder in one call, for the FD breakdown on Linux.
//
// readLinks(dir) opens the folder once, lists it, and reads each link with readlinkat(2) relative
// to the open folder, so no path is walked again; Node has no readlinkat and crosses into C++ once
// per link. It returns one string of records "fd\0target\0" (a link target cannot hold a NUL); an
// FD closed between the listing and its readlink comes back with an empty target. A failure to
// open or list the folder throws an Error whose code is the errno's name (ENOENT, EACCES, ...),
// as node:fs does. Built by scripts/build-native.mjs against Node-API only, so one build runs in
// Node and in Electron alike.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NAPI_VERSION 8
#include <node_api.h>

static const char *errno_name(int e) {
  switch (e) {
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ENOTDIR: return "ENOTDIR";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOMEM: return "ENOMEM";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    default: return "EIO";
  }
}

static napi_value fail(napi_env env, int e, const char *what, const char *path) {
  char msg[PATH_MAX + 128];
  snprintf(msg, sizeof msg, "%s: %s, %s '%s'", errno_name(e), strerror(e), what, path);
  napi_throw_error(env, errno_name(e), msg);
  return NULL;
}

// Makes room for `more` bytes past `len` in *buf, doubling it; 0 when memory ran out.
static int reserve(char **buf, size_t *cap, size_t len, size_t more) {
  if (len + more <= *cap) return 1;
  size_t next = *cap;
  while (len + more > next) next *= 2;
  char *grown = realloc(*buf, next);
  if (!grown) return 0;
  *buf = grown;
  *cap = next;
  return 1;
}

static napi_value read_links(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char dir[PATH_MAX];
  size_t dir_len = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_string_utf8(env, argv[0], dir, sizeof dir, &dir_len) != napi_ok || dir_len == 0 ||
      dir_len >= sizeof dir - 1) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "readLinks(dir): dir must be a non-empty path string");
    return NULL;
  }

  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return fail(env, errno, "opendir", dir);
  DIR *listing = fdopendir(dfd);
  if (!listing) {
    int e = errno;
    close(dfd);
    return fail(env, e, "opendir", dir);
  }

  // Listing this process's own folder shows the folder's FD too: leave it out, as node:fs does.
  char own[64], own_fd[16];
  snprintf(own, sizeof own, "/proc/%d/fd", (int)getpid());
  int listing_self = strcmp(dir, own) == 0 || strcmp(dir, "/proc/self/fd") == 0 || strcmp(dir, "/proc/thread-self/fd") == 0;
  snprintf(own_fd, sizeof own_fd, "%d", dfd);

  size_t cap = 64 * 1024, len = 0;
  char *out = malloc(cap);
  if (!out) {
    closedir(listing);
    return fail(env, ENOMEM, "scandir", dir);
  }
  struct dirent *entry;
  for (;;) {
    errno = 0;
    entry = readdir(listing);
    if (!entry) break;
    const char *name = entry->d_name;
    if (name[0] == '.' || (listing_self && strcmp(name, own_fd) == 0)) continue;
    size_t name_len = strlen(name);
    // The record: the name, a NUL, the target (at most PATH_MAX bytes), a NUL.
    if (!reserve(&out, &cap, len, name_len + PATH_MAX + 2)) {
      free(out);
      closedir(listing);
      return fail(env, ENOMEM, "scandir", dir);
    }
    memcpy(out + len, name, name_len + 1);
    char *target = out + len + name_len + 1;
    ssize_t n = readlinkat(dfd, name, target, PATH_MAX);
    // Closed since the listing (or any other failure of one link): an empty target, which the
    // caller counts as vanished. A target that filled the buffer may be cut: keep what came.
    if (n < 0) n = 0;
    target[n] = '\0';
    len += name_len + 1 + (size_t)n + 1;
  }
  int list_error = errno;
  closedir(listing);
  if (list_error != 0) {
    free(out);
    return fail(env, list_error, "scandir", dir);
  }

  napi_value result;
  napi_status status = napi_create_string_utf8(env, out, len, &result);
  free(out);
  if (status != napi_ok) {
    napi_throw_error(env, "ENOMEM", "readLinks: the links do not fit in one string");
    return NULL;
  }
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "readLinks", NAPI_AUTO_LENGTH, read_links, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "readLinks", fn) != napi_ok) return NULL;
  return exports;
}
