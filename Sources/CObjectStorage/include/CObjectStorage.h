// System calls the object server needs that the Swift Glibc module does not export:
// extended attributes (<sys/xattr.h>), O_TMPFILE, fallocate and strptime (GNU/XSI extensions).
#ifndef C_OBJECT_STORAGE_H
#define C_OBJECT_STORAGE_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

int cobjs_fsetxattr(int fd, const char *name, const void *value, size_t size);
ssize_t cobjs_fgetxattr(int fd, const char *name, void *value, size_t size);
int cobjs_fremovexattr(int fd, const char *name);
/// An unnamed file in `directory` (open(2) with O_TMPFILE | O_WRONLY | O_CLOEXEC); -1 and errno on failure.
int cobjs_open_tmpfile(const char *directory, mode_t mode);
/// Reserves `length` bytes without changing the file's size (FALLOC_FL_KEEP_SIZE).
int cobjs_fallocate_keep_size(int fd, off_t length);
/// strptime(3); returns 1 when the whole of `text` matched `format`.
int cobjs_strptime_whole(const char *text, const char *format, struct tm *result);

#endif
