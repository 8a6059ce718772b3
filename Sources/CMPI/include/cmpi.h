// A small C ABI over Open MPI, loaded at run time (dlopen) rather than linked: trainer builds and
// runs where MPI is absent, and `mpirun -np N trainer ...` finds libmpi when it is there.
// Handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are Open MPI's exported objects, so this
// speaks Open MPI's ABI (Debian's libopenmpi3, libmpi.so.40), not MPICH's.
#ifndef CMPI_H
#define CMPI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// True when the process was started by Open MPI's launcher (mpirun / prterun set
/// OMPI_COMM_WORLD_SIZE or PMIX_RANK).
int cmpi_launched(void);

/// Loads libmpi (TRAINER_MPI_LIBRARY, else libmpi.so.40, else libmpi.so) and calls MPI_Init.
/// Returns 0, or -1 with a message in `error`.
int cmpi_init(char *error, size_t error_size);
int cmpi_rank(void);
int cmpi_size(void);
int cmpi_finalize(void);

/// Collectives over MPI_COMM_WORLD; each returns MPI's error code (0 on success). Counts may
/// exceed INT_MAX: large buffers go in pieces.
int cmpi_allreduce_float_sum(float *buffer, int64_t count);
int cmpi_allreduce_double_sum(double *buffer, int64_t count);
int cmpi_allreduce_int64_max(int64_t *buffer, int64_t count);
/// Every rank's `send_count` floats, rank after rank, into `receive` (`counts[r]` from rank r).
int cmpi_allgatherv_float(const float *send, int send_count, float *receive, const int *counts);
int cmpi_allgatherv_int32(const int32_t *send, int send_count, int32_t *receive, const int *counts);
int cmpi_allgather_int32(int32_t value, int32_t *receive);
/// Sums `send` (every rank's whole buffer, rank r's part `counts[r]` long, rank after rank) over
/// the ranks and leaves each rank its own part in `receive`.
int cmpi_reduce_scatter_float_sum(const float *send, float *receive, const int *counts);
int cmpi_bcast_bytes(void *buffer, int64_t count, int root);
int cmpi_barrier(void);
/// On SIGTERM (mpirun stops every rank this way when one of them fails) writes `message` to
/// stderr and exits with status 143, instead of dying silently.
void cmpi_on_termination(const char *message);
/// MPI's description of an error code.
void cmpi_error_string(int code, char *text, size_t size);

#ifdef __cplusplus
}
#endif
#endif
