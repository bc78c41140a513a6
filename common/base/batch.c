/* batch — is the next line there without waiting? See batch.h. */
#include "batch.h"

#include <errno.h>
#include <poll.h>

int batch_input_ready(FILE *fp)
{
#ifdef __GLIBC__
	/* Bytes already in stdio's buffer: a line may be waiting there. */
	if (fp->_IO_read_ptr < fp->_IO_read_end)
		return 1;
#endif
	if (feof(fp) || ferror(fp))
		return 1;
	struct pollfd p = {.fd = fileno(fp), .events = POLLIN};
	int n;
	while ((n = poll(&p, 1, 0)) < 0 && errno == EINTR)
		;
	/* POLLHUP: end of input, which rec_next reports at once. Anything else
	 * unreadable (an error, a descriptor poll cannot watch) counts as ready:
	 * reading will say what it is. */
	return n != 0;
}
