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
// groupLinks(dir) reads the same links but resolves with them grouped by target, for the periodic
// FD breakdown, which needs counts and not each FD (1,000 FDs on a few files are a few records):
//   "vanished\0" then, per distinct target, "count\0fd\0kind\0target\0", where fd is the first FD
//   seen with that target, and kind what a stat through that FD's link says of a path target
//   ('f' file, 'd' folder, 'c' character device, 'p' FIFO, 's' socket, 'o' other, '?' the stat
//   failed: judge by the name), or '-' for a target that is not a path (socket:[N], pipe:[N],
//   anon_inode:...). vanished counts the FDs closed between the listing and their readlink. Each
//   path is stat'ed once, here, on the thread pool: no trip back to Node per path.
//   groupLinks does not list the folder: it reads every FD number below the table's size (FDSize in
//   the process's status), 0, 1, 2..., as open(2) takes the lowest free number and so FD numbers are
//   dense. A listing costs the kernel a third of a readlink per FD. Numbers that are not open are
//   skipped; past PROBE_MISSES of them (a table of far apart numbers) it lists the folder for the
//   numbers not yet tried. Like a listing, it finds every FD open throughout the call, whatever opens
//   and closes meanwhile. Where the kernel gives the folder's FD count as its size (Linux 6.2+), FDs
//   counted but not found (closed meanwhile, or the process exited) are counted as vanished.
// The folder's own FD, open only during the call, is left out when the folder is this process's.
// FDLINKS_VERSION names these record formats; the loader refuses a build of another version.
// Built by scripts/build-native.mjs against Node-API only, so one build runs in Node and Electron.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NAPI_VERSION 8
#include <node_api.h>

#define FDLINKS_VERSION 3

// How many FD numbers groupLinks may find not open before it lists the folder instead: a few
// holes are common (closed FDs), a table of far apart numbers is not.
#define PROBE_MISSES(numbers) (32 + (numbers) / 16)

// One distinct link target in groupLinks: its bytes sit in the arena at `at`.
typedef struct {
  size_t at, len, count;
  uint64_t hash;
  char fd[16];
  char kind;
} group_t;

typedef struct {
  napi_async_work work;
  int group;
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
  size_t next = *cap ? *cap : 4096;
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

// The groups of groupLinks: an open-addressing table of group_t over the targets' bytes in an arena.
typedef struct {
  group_t *slots;  // size cap; count == 0 is an empty slot
  size_t cap, used;
  char *arena;
  size_t arena_len, arena_cap;
} groups_t;

static uint64_t hash_bytes(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
  return h;
}

// Counts one FD under its target; 0 when memory ran out.
static int group_add(groups_t *g, const char *fd, const char *target, size_t len) {
  if ((g->used + 1) * 2 > g->cap) {
    size_t cap = g->cap ? g->cap * 2 : 64;
    group_t *slots = calloc(cap, sizeof *slots);
    if (!slots) return 0;
    for (size_t i = 0; i < g->cap; i++) {
      if (g->slots[i].count == 0) continue;
      size_t j = (size_t)(g->slots[i].hash & (cap - 1));
      while (slots[j].count) j = (j + 1) & (cap - 1);
      slots[j] = g->slots[i];
    }
    free(g->slots);
    g->slots = slots;
    g->cap = cap;
  }
  uint64_t h = hash_bytes(target, len);
  size_t j = (size_t)(h & (g->cap - 1));
  for (; g->slots[j].count; j = (j + 1) & (g->cap - 1)) {
    group_t *s = &g->slots[j];
    if (s->hash == h && s->len == len && memcmp(g->arena + s->at, target, len) == 0) {
      s->count++;
      return 1;
    }
  }
  if (!reserve(&g->arena, &g->arena_cap, g->arena_len, len)) return 0;
  memcpy(g->arena + g->arena_len, target, len);
  group_t *s = &g->slots[j];
  s->at = g->arena_len;
  s->len = len;
  s->count = 1;
  s->hash = h;
  snprintf(s->fd, sizeof s->fd, "%s", fd);
  s->kind = '-';
  g->arena_len += len;
  g->used++;
  return 1;
}

static char stat_kind(int dfd, const char *fd) {
  struct stat st;
  if (fstatat(dfd, fd, &st, 0) != 0) return '?';
  if (S_ISREG(st.st_mode)) return 'f';
  if (S_ISDIR(st.st_mode)) return 'd';
  if (S_ISCHR(st.st_mode)) return 'c';
  if (S_ISFIFO(st.st_mode)) return 'p';
  if (S_ISSOCK(st.st_mode)) return 's';
  return 'o';
}

// groupLinks' records (see the top of this file) into job->out; 0 when memory ran out.
static int write_groups(job_t *job, groups_t *g, size_t vanished, int dfd) {
  size_t cap = 256 + g->arena_len + g->used * 48;
  job->out = malloc(cap);
  if (!job->out) return 0;
  job->len = (size_t)snprintf(job->out, cap, "%zu", vanished) + 1;
  for (size_t i = 0; i < g->cap; i++) {
    group_t *s = &g->slots[i];
    if (s->count == 0) continue;
    if (g->arena[s->at] == '/') s->kind = stat_kind(dfd, s->fd);
    if (!reserve(&job->out, &cap, job->len, s->len + 48)) return 0;
    char *at = job->out + job->len;
    int head = snprintf(at, 48, "%zu%c%s%c%c%c", s->count, '\0', s->fd, '\0', s->kind, '\0');
    memcpy(at + head, g->arena + s->at, s->len);
    at[head + s->len] = '\0';
    job->len += (size_t)head + s->len + 1;
  }
  return 1;
}

// The Tgid and FDSize lines of the status file beside an open /proc/PID/fd (or task/TID/fd) folder; left as
// they are where it cannot be read (a folder that is not procfs').
static void read_status(int dfd, long *tgid, long *fdsize) {
  int fd = openat(dfd, "../status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return;
  buf[n] = '\0';
  const char *t = strstr(buf, "\nTgid:");
  const char *f = strstr(buf, "\nFDSize:");
  if (t) *tgid = strtol(t + 6, NULL, 10);
  if (f) *fdsize = strtol(f + 8, NULL, 10);
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

  // The folder's process, from its status beside the folder: its Tgid says whether the folder is this
  // process's own (holding the folder's FD); its FDSize is how many FD numbers its table has.
  long tgid = 0, fdsize = 0;
  read_status(dfd, &tgid, &fdsize);
  int own_here = 0;
  if (tgid > 0) {
    own_here = tgid == (long)getpid();
  } else if (have_own) {
    struct stat st;
    own_here = fstatat(dfd, own_fd, &st, 0) == 0 && st.st_dev == own.st_dev && st.st_ino == own.st_ino;
  }
  // groupLinks reads every FD number below FDSize in turn (probing), with no listing; `next` is the next number.
  // `want`, the FD count the kernel gives as the folder's size (Linux 6.2+; 0 where it does not), tells FDs
  // closed meanwhile (counted, not found) from numbers never open.
  long limit = job->group ? fdsize : 0, next = 0;
  long want = job->group && have_own && own.st_size > 0 ? (long)own.st_size - own_here : 0;
  size_t found = 0, misses = 0;
  int probing = limit > 0;

  // readLinks writes each record into job->out; groupLinks reads each target into `target` and counts it.
  size_t cap = 64 * 1024;
  groups_t groups = {0};
  size_t vanished = 0;
  char *scratch = job->group ? malloc(PATH_MAX + 1) : NULL;
  job->out = job->group ? NULL : malloc(cap);
  if (job->group ? !scratch : !job->out) {
    closedir(listing);
    return fail(job, ENOMEM, "scandir", job->dir);
  }
#define GIVE_UP(e, what, subject)                     \
  do {                                                \
    closedir(listing);                                \
    free(scratch);                                    \
    free(groups.slots);                               \
    free(groups.arena);                               \
    return fail(job, e, what, subject);               \
  } while (0)
  char probe[24];
  for (;;) {
    const char *name;
    if (probing) {
      if (next >= limit) break;
      if (misses > PROBE_MISSES((size_t)limit)) {
        probing = 0;  // list the folder for the numbers not tried yet
        continue;
      }
      if (next == dfd && own_here) next++;
      snprintf(probe, sizeof probe, "%ld", next++);
      name = probe;
    } else {
      errno = 0;
      struct dirent *entry = readdir(listing);
      if (!entry) {
        int e = errno;
        // Listing after probing, of a process that has exited meanwhile: what was found stands, short.
        if (e != 0 && !(limit > 0 && (e == ENOENT || e == ESRCH))) GIVE_UP(e, "scandir", job->dir);
        break;
      }
      name = entry->d_name;
      if (name[0] == '.') continue;
      // The folder's own FD, when this is this process's folder (or one of its threads').
      if (own_here && strcmp(name, own_fd) == 0) continue;
      // Numbers already tried while probing were read, or were not open then.
      if (limit > 0) {
        char *end;
        long number = strtol(name, &end, 10);
        if (*end == '\0' && number < next) continue;
      }
    }
    size_t name_len = strlen(name);
    char *target = scratch;
    if (!job->group) {
      // The record: the name, a NUL, the target (at most PATH_MAX bytes), a NUL.
      if (!reserve(&job->out, &cap, job->len, name_len + PATH_MAX + 2)) GIVE_UP(ENOMEM, "scandir", job->dir);
      memcpy(job->out + job->len, name, name_len + 1);
      target = job->out + job->len + name_len + 1;
    }
    ssize_t n = readlinkat(dfd, name, target, PATH_MAX);
    if (n < 0) {
      int e = errno;
      if (probing && (e == ENOENT || e == ESRCH)) {
        misses++;  // not open: a hole, or closed meanwhile
        continue;
      } else if (e == ENOENT || e == ESRCH) {
        n = 0;  // closed since the listing
      } else if (e == ENAMETOOLONG) {
        n = (ssize_t)snprintf(target, PATH_MAX, "\x01" "ENAMETOOLONG");
      } else {
        char subject[PATH_MAX + 320];
        snprintf(subject, sizeof subject, "%s/%s", job->dir, name);
        GIVE_UP(e, "readlink", subject);
      }
    }
    target[n] = '\0';
    if (n > 0) found++;
    if (!job->group) {
      job->len += name_len + 1 + (size_t)n + 1;
    } else if (n == 0) {
      vanished++;
    } else if (!group_add(&groups, name, target, (size_t)n)) {
      GIVE_UP(ENOMEM, "scandir", job->dir);
    }
  }
  // Counted by the kernel but not found: closed meanwhile (or the process exited), as a listed FD whose readlink fails.
  if (want > 0 && (long)(found + vanished) < want) vanished = (size_t)(want - (long)found);
  if (job->group && !write_groups(job, &groups, vanished, dfd)) GIVE_UP(ENOMEM, "scandir", job->dir);
#undef GIVE_UP
  closedir(listing);
  free(scratch);
  free(groups.slots);
  free(groups.arena);
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

// readLinks and groupLinks: one function, told apart by its data (a static int, 0 or 1).
static const int READ_MODE = 0, GROUP_MODE = 1;

static napi_value read_links_async(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  size_t dir_len = 0;
  void *mode = NULL;
  job_t *job = calloc(1, sizeof *job);
  if (!job) {
    napi_throw_error(env, "ENOMEM", "readLinks: out of memory");
    return NULL;
  }
  int ok = napi_get_cb_info(env, info, &argc, argv, NULL, &mode) == napi_ok;
  job->group = ok && mode == &GROUP_MODE;
  const char *fn = job->group ? "groupLinks" : "readLinks";
  if (!ok || argc < 1 || napi_get_value_string_utf8(env, argv[0], job->dir, sizeof job->dir, &dir_len) != napi_ok || dir_len == 0 ||
      dir_len >= sizeof job->dir - 1) {
    free(job);
    char text[96];
    snprintf(text, sizeof text, "%s(dir): dir must be a non-empty path string", fn);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", text);
    return NULL;
  }
  napi_value promise, name;
  napi_create_string_utf8(env, job->group ? "fdlinks.groupLinks" : "fdlinks.readLinks", NAPI_AUTO_LENGTH, &name);
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
  if (napi_create_function(env, "readLinks", NAPI_AUTO_LENGTH, read_links_async, (void *)&READ_MODE, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "readLinks", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "groupLinks", NAPI_AUTO_LENGTH, read_links_async, (void *)&GROUP_MODE, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "groupLinks", fn) != napi_ok) return NULL;
  if (napi_create_uint32(env, FDLINKS_VERSION, &version) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "version", version) != napi_ok) return NULL;
  return exports;
}
