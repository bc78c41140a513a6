/* groupshare — the mode bits of the files smskit creates in a directory that
 * a group shares (groupshare.h). An operator, sms-webhookd and an assistant
 * running as different users in one group use one store: each file any of
 * them creates there must stay readable and writable by the others. */
#include "groupshare.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

mode_t groupshare_mode(const char *path)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	struct stat sb;
	int shared = stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) && (sb.st_mode & S_ISGID) &&
	             (sb.st_mode & S_IWGRP);
	free(dir);
	return shared ? 0660 : 0600;
}

int groupshare_fix(int fd, const char *path)
{
	mode_t m = groupshare_mode(path);
	struct stat sb;
	if (fstat(fd, &sb) != 0)
		return -1;
	if ((sb.st_mode & 0777) == m)
		return 0;
	return fchmod(fd, m);
}
