/* store_pg_lib — libpq, loaded when a program first opens a PostgreSQL store
 * (dlopen), not linked: libpq brings libssl, Kerberos and LDAP, whose loading
 * and start-up cost about 10 ms in every process that links them, and every
 * program on a SQLite store (sms-webhookd's CGI mode above all, a process per
 * request) needs none of it. The backend's files call libpq by its own names:
 * each is a macro for the pointer pgs_pq_load filled. Include it (through
 * store_pg.h) instead of libpq-fe.h. */
#ifndef SMSKIT_STORE_PG_LIB_H
#define SMSKIT_STORE_PG_LIB_H

#include <libpq-fe.h>
#include <stddef.h>

#define PGS_PQ_FUNCS(X) \
	X(PQconnectdbParams) X(PQstatus) X(PQerrorMessage) X(PQfinish) X(PQreset) \
	X(PQexec) X(PQexecParams) X(PQprepare) X(PQexecPrepared) X(PQresultStatus) \
	X(PQresultErrorMessage) X(PQresultErrorField) X(PQclear) X(PQntuples) X(PQnfields) \
	X(PQgetvalue) X(PQgetisnull) X(PQgetlength) X(PQfname) X(PQcmdTuples) X(PQcmdStatus) \
	X(PQtransactionStatus) X(PQsetNoticeProcessor) X(PQputCopyData) X(PQputCopyEnd) \
	X(PQgetCopyData) X(PQgetResult) X(PQsocket) X(PQconsumeInput) X(PQnotifies) \
	X(PQfreemem) X(PQescapeLiteral) X(PQescapeIdentifier) X(PQserverVersion) \
	X(PQsendQuery) X(PQsendQueryParams) X(PQsetSingleRowMode) X(PQisBusy) X(PQdb)

#define PGS_PQ_MEMBER(f) __typeof__(f) *f;
struct pgs_pq {
	PGS_PQ_FUNCS(PGS_PQ_MEMBER)
};
extern struct pgs_pq pgs_pq;

/* Loads libpq once per process (any thread); 0, or -1 with a sentence in err. */
int pgs_pq_load(char *err, size_t errlen);

/* (store_pg_lib.c, which fills the table, needs the names themselves.) */
#ifndef PGS_PQ_NO_MACROS
#define PQconnectdbParams (pgs_pq.PQconnectdbParams)
#define PQstatus (pgs_pq.PQstatus)
#define PQerrorMessage (pgs_pq.PQerrorMessage)
#define PQfinish (pgs_pq.PQfinish)
#define PQreset (pgs_pq.PQreset)
#define PQexec (pgs_pq.PQexec)
#define PQexecParams (pgs_pq.PQexecParams)
#define PQprepare (pgs_pq.PQprepare)
#define PQexecPrepared (pgs_pq.PQexecPrepared)
#define PQresultStatus (pgs_pq.PQresultStatus)
#define PQresultErrorMessage (pgs_pq.PQresultErrorMessage)
#define PQresultErrorField (pgs_pq.PQresultErrorField)
#define PQclear (pgs_pq.PQclear)
#define PQntuples (pgs_pq.PQntuples)
#define PQnfields (pgs_pq.PQnfields)
#define PQgetvalue (pgs_pq.PQgetvalue)
#define PQgetisnull (pgs_pq.PQgetisnull)
#define PQgetlength (pgs_pq.PQgetlength)
#define PQfname (pgs_pq.PQfname)
#define PQcmdTuples (pgs_pq.PQcmdTuples)
#define PQcmdStatus (pgs_pq.PQcmdStatus)
#define PQtransactionStatus (pgs_pq.PQtransactionStatus)
#define PQsetNoticeProcessor (pgs_pq.PQsetNoticeProcessor)
#define PQputCopyData (pgs_pq.PQputCopyData)
#define PQputCopyEnd (pgs_pq.PQputCopyEnd)
#define PQgetCopyData (pgs_pq.PQgetCopyData)
#define PQgetResult (pgs_pq.PQgetResult)
#define PQsocket (pgs_pq.PQsocket)
#define PQconsumeInput (pgs_pq.PQconsumeInput)
#define PQnotifies (pgs_pq.PQnotifies)
#define PQfreemem (pgs_pq.PQfreemem)
#define PQescapeLiteral (pgs_pq.PQescapeLiteral)
#define PQescapeIdentifier (pgs_pq.PQescapeIdentifier)
#define PQserverVersion (pgs_pq.PQserverVersion)
#define PQsendQuery (pgs_pq.PQsendQuery)
#define PQsendQueryParams (pgs_pq.PQsendQueryParams)
#define PQsetSingleRowMode (pgs_pq.PQsetSingleRowMode)
#define PQisBusy (pgs_pq.PQisBusy)
#define PQdb (pgs_pq.PQdb)
#endif

#endif
