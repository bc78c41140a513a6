/* batch — cutting input into store transactions: how many records one holds,
 * and whether the next line can be read without waiting, so that no
 * transaction stays open while a slow producer thinks. Owns no state. */
#ifndef SMSKIT_BATCH_H
#define SMSKIT_BATCH_H

#include <stdio.h>

/* Records handled in one store transaction. */
#define BATCH_RECORDS 500

/* 1 when a line can be read from fp without blocking (buffered, or the
 * descriptor is readable or at end of file), 0 when reading would wait. A
 * batch is cut there. */
int batch_input_ready(FILE *fp);

#endif
