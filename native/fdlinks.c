// fdlinks: every link in a /proc/PID/fd folder in one call, for the FD breakdown on Linux.
//
// readLinks(dir) returns a Promise. Off the main thread (Node's thread pool), it opens the folder
// once, lists it, and reads each link with readlinkat(2) relative to the open folder, so no path is
// walked again; Node has no readlinkat and crosses into C++ once per link. It resolves with one
// string of records "fd\0target\0" (a link target cannot hold a NUL):
//   - an FD closed between the listing and its readlink (ENOENT, ESRCH) has an empty target;
//   - a link whose path is longer than the kernel will write (ENAMETOOLONG) has the target
//     "\x01ENAMETOOLONG" (a real target starts with '/', '(' or a name such as "pipe:");
//   - any other failure (EACCES: another user's process without CAP_SYS_PTRACE, or a security
//     module that lets the folder be listed but not its links) rejects, with the errno's name as
//     the Error's code, as node:fs's readlink does. So does a failure to open or list the folder.
// The folder's own FD, open only during the call, is left out when the folder is this process's.
// FDLINKS_VERSION names this record format; the loader refuses a build of another version.
// Built by scripts/build-native.mjs against Node-API only, so one build runs in Node and Electron.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NAPI_VERSION 8
#include <node_api.h>

#define FDLINKS_VERSION 2

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  char dir[PATH_MAX];
  char *out;
  size_t len;
  // On failure: the errno, what failed ("opendir", "scandir", "readlink") and on what.
  int error;
  const char *what;
  char subject[PATH_MAX + 320];
} job_t;

static void errno_name(int e, char *name, size_t size) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char *known = strerrorname_np(e);
  if (known) {
    snprintf(name, size, "%s", known);
    return;
  }
#endif
  switch (e) {
    case ENOENT: snprintf(name, size, "ENOENT"); return;
    case ESRCH: snprintf(name, size, "ESRCH"); return;
    case EACCES: snprintf(name, size, "EACCES"); return;
    case EPERM: snprintf(name, size, "EPERM"); return;
    case ENOTDIR: snprintf(name, size, "ENOTDIR"); return;
    case ENOMEM: snprintf(name, size, "ENOMEM"); return;
    case ENAMETOOLONG: snprintf(name, size, "ENAMETOOLONG"); return;
    default: snprintf(name, size, "E%d", e);
  }
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

static void fail(job_t *job, int e, const char *what, const char *subject) {
  job->error = e;
  job->what = what;
  snprintf(job->subject, sizeof job->subject, "%s", subject);
  free(job->out);
  job->out = NULL;
  job->len = 0;
}

// The thread pool's part: no Node-API call may be made here.
static void read_links(napi_env env, void *data) {
  (void)env;
  job_t *job = data;
  int dfd = open(job->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return fail(job, errno, "opendir", job->dir);
  DIR *listing = fdopendir(dfd);
  if (!listing) {
    int e = errno;
    close(dfd);
    return fail(job, e, "opendir", job->dir);
  }
  struct stat own;
  int have_own = fstat(dfd, &own) == 0;
  char own_fd[16];
  snprintf(own_fd, sizeof own_fd, "%d", dfd);

  size_t cap = 64 * 1024;
  job->out = malloc(cap);
  if (!job->out) {
    closedir(listing);
    return fail(job, ENOMEM, "scandir", job->dir);
  }
  for (;;) {
    errno = 0;
    struct dirent *entry = readdir(listing);
    if (!entry) {
      int e = errno;
      if (e != 0) {
        closedir(listing);
        return fail(job, e, "scandir", job->dir);
      }
      break;
    }
    const char *name = entry->d_name;
    if (name[0] == '.') continue;
    // The folder's own FD, when this is this process's folder (any spelling of it: by inode).
    if (have_own && strcmp(name, own_fd) == 0) {
      struct stat st;
      if (fstatat(dfd, name, &st, 0) == 0 && st.st_dev == own.st_dev && st.st_ino == own.st_ino) continue;
    }
    size_t name_len = strlen(name);
    // The record: the name, a NUL, the target (at most PATH_MAX bytes), a NUL.
    if (!reserve(&job->out, &cap, job->len, name_len + PATH_MAX + 2)) {
      closedir(listing);
      return fail(job, ENOMEM, "scandir", job->dir);
    }
    char *record = job->out + job->len;
    memcpy(record, name, name_len + 1);
    char *target = record + name_len + 1;
    ssize_t n = readlinkat(dfd, name, target, PATH_MAX);
    if (n < 0) {
      int e = errno;
      if (e == ENOENT || e == ESRCH) {
        n = 0;  // closed since the listing
      } else if (e == ENAMETOOLONG) {
        n = (ssize_t)snprintf(target, PATH_MAX, "\x01" "ENAMETOOLONG");
      } else {
        char subject[PATH_MAX + 320];
        snprintf(subject, sizeof subject, "%s/%s", job->dir, name);
        closedir(listing);
        return fail(job, e, "readlink", subject);
      }
    }
    target[n] = '\0';
    job->len += name_len + 1 + (size_t)n + 1;
  }
  closedir(listing);
}

// Back on the main thread: settle the Promise, free the job.
static void settle(napi_env env, napi_status status, void *data) {
  job_t *job = data;
  napi_value value = NULL;
  if (status == napi_ok && job->error == 0) {
    if (napi_create_string_utf8(env, job->out ? job->out : "", job->len, &value) == napi_ok) {
      napi_resolve_deferred(env, job->deferred, value);
    } else {
      job->error = ENOMEM;
      job->what = "join";
      snprintf(job->subject, sizeof job->subject, "%s (the links do not fit in one string)", job->dir);
    }
  }
  if (value == NULL) {
    char code[64], text[PATH_MAX + 640];
    int e = job->error ? job->error : EIO;
    errno_name(e, code, sizeof code);
    snprintf(text, sizeof text, "%s: %s, %s '%s'", code, strerror(e), job->what ? job->what : "readLinks", job->subject);
    napi_value code_value, text_value, error;
    napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &code_value);
    napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &text_value);
    napi_create_error(env, code_value, text_value, &error);
    napi_reject_deferred(env, job->deferred, error);
  }
  free(job->out);
  napi_delete_async_work(env, job->work);
  free(job);
}

static napi_value read_links_async(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  size_t dir_len = 0;
  job_t *job = calloc(1, sizeof *job);
  if (!job) {
    napi_throw_error(env, "ENOMEM", "readLinks: out of memory");
    return NULL;
  }
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_string_utf8(env, argv[0], job->dir, sizeof job->dir, &dir_len) != napi_ok || dir_len == 0 ||
      dir_len >= sizeof job->dir - 1) {
    free(job);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "readLinks(dir): dir must be a non-empty path string");
    return NULL;
  }
  napi_value promise, name;
  napi_create_string_utf8(env, "fdlinks.readLinks", NAPI_AUTO_LENGTH, &name);
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok ||
      napi_create_async_work(env, NULL, name, read_links, settle, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    free(job);
    napi_throw_error(env, "EIO", "readLinks: could not queue the read");
    return NULL;
  }
  return promise;
}

NAPI_MODULE_INIT() {
  napi_value fn, version;
  if (napi_create_function(env, "readLinks", NAPI_AUTO_LENGTH, read_links_async, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "readLinks", fn) != napi_ok) return NULL;
  if (napi_create_uint32(env, FDLINKS_VERSION, &version) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "version", version) != napi_ok) return NULL;
  return exports;
}
