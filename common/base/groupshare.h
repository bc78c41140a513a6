/* groupshare — the mode of a file smskit creates beside the store: 0660 when
 * its directory is shared with a group (setgid and group-writable, the
 * layout smskit-deploy(7) describes and the Debian package makes), else 0600.
 * The group itself comes from the setgid directory; only the bits are ours. */
#ifndef SMSKIT_GROUPSHARE_H
#define SMSKIT_GROUPSHARE_H

#include <sys/types.h>

/* 0660 when the directory holding path is setgid and group-writable, else
 * 0600 (also when the directory cannot be looked at). */
mode_t groupshare_mode(const char *path);

/* Gives fd, a file this process has just created at path, the mode
 * groupshare_mode says (open(2)'s mode passes through the umask, fchmod's
 * does not). 0, or -1 with errno set. */
int groupshare_fix(int fd, const char *path);

#endif
