#define _GNU_SOURCE
#include "CObjectStorage.h"

#include <fcntl.h>
#include <sys/xattr.h>
#include <time.h>

int cobjs_fsetxattr(int fd, const char *name, const void *value, size_t size) {
    return fsetxattr(fd, name, value, size, 0);
}

ssize_t cobjs_fgetxattr(int fd, const char *name, void *value, size_t size) {
    return fgetxattr(fd, name, value, size);
}

int cobjs_fremovexattr(int fd, const char *name) { return fremovexattr(fd, name); }

int cobjs_open_tmpfile(const char *directory, mode_t mode) {
    return open(directory, O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
}

int cobjs_fallocate_keep_size(int fd, off_t length) { return fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, length); }

int cobjs_strptime_whole(const char *text, const char *format, struct tm *result) {
    const char *end = strptime(text, format, result);
    return end != NULL && *end == '\0';
}
