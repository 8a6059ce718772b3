#include "cmpi.h"

#include <dlfcn.h>
#include <limits.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Open MPI's handle types are pointers to these opaque structs.
typedef void *MPI_Comm;
typedef void *MPI_Datatype;
typedef void *MPI_Op;
#define MPI_IN_PLACE ((void *)1)
#define MPI_MAX_ERROR_STRING 256

static int (*p_init)(int *, char ***);
static int (*p_initialized)(int *);
static int (*p_finalize)(void);
static int (*p_comm_rank)(MPI_Comm, int *);
static int (*p_comm_size)(MPI_Comm, int *);
static int (*p_allreduce)(const void *, void *, int, MPI_Datatype, MPI_Op, MPI_Comm);
static int (*p_allgather)(const void *, int, MPI_Datatype, void *, int, MPI_Datatype, MPI_Comm);
static int (*p_allgatherv)(const void *, int, MPI_Datatype, void *, const int *, const int *, MPI_Datatype, MPI_Comm);
static int (*p_bcast)(void *, int, MPI_Datatype, int, MPI_Comm);
static int (*p_reduce_scatter)(const void *, void *, const int *, MPI_Datatype, MPI_Op, MPI_Comm);
static int (*p_barrier)(MPI_Comm);
static int (*p_error_string)(int, char *, int *);

static MPI_Comm comm_world;
static MPI_Datatype type_float, type_double, type_int32, type_int64, type_byte;
static MPI_Op op_sum, op_max;
static int world_rank = 0, world_size = 1;

int cmpi_launched(void) {
  return getenv("OMPI_COMM_WORLD_SIZE") != NULL || getenv("PMIX_RANK") != NULL;
}

static void *need(void *library, const char *name, int *missing, char *error, size_t error_size) {
  void *symbol = dlsym(library, name);
  if (symbol == NULL && !*missing) {
    *missing = 1;
    snprintf(error, error_size, "libmpi has no symbol %s: trainer speaks Open MPI's ABI (Debian: libopenmpi3)", name);
  }
  return symbol;
}

int cmpi_init(char *error, size_t error_size) {
  const char *names[3] = {getenv("TRAINER_MPI_LIBRARY"), "libmpi.so.40", "libmpi.so"};
  void *library = NULL;
  const char *tried = NULL;
  for (int i = 0; i < 3 && library == NULL; i++) {
    if (names[i] == NULL) continue;
    tried = names[i];
    // RTLD_GLOBAL: Open MPI's own plugins resolve libmpi's symbols through the global scope
    library = dlopen(names[i], RTLD_NOW | RTLD_GLOBAL);
  }
  if (library == NULL) {
    snprintf(error, error_size, "cannot load %s (%s): install Open MPI (apt-get install openmpi-bin libopenmpi-dev)",
             tried ? tried : "libmpi", dlerror());
    return -1;
  }
  int missing = 0;
  *(void **)&p_init = need(library, "MPI_Init", &missing, error, error_size);
  *(void **)&p_initialized = need(library, "MPI_Initialized", &missing, error, error_size);
  *(void **)&p_finalize = need(library, "MPI_Finalize", &missing, error, error_size);
  *(void **)&p_comm_rank = need(library, "MPI_Comm_rank", &missing, error, error_size);
  *(void **)&p_comm_size = need(library, "MPI_Comm_size", &missing, error, error_size);
  *(void **)&p_allreduce = need(library, "MPI_Allreduce", &missing, error, error_size);
  *(void **)&p_allgather = need(library, "MPI_Allgather", &missing, error, error_size);
  *(void **)&p_allgatherv = need(library, "MPI_Allgatherv", &missing, error, error_size);
  *(void **)&p_bcast = need(library, "MPI_Bcast", &missing, error, error_size);
  *(void **)&p_reduce_scatter = need(library, "MPI_Reduce_scatter", &missing, error, error_size);
  *(void **)&p_barrier = need(library, "MPI_Barrier", &missing, error, error_size);
  *(void **)&p_error_string = need(library, "MPI_Error_string", &missing, error, error_size);
  comm_world = need(library, "ompi_mpi_comm_world", &missing, error, error_size);
  type_float = need(library, "ompi_mpi_float", &missing, error, error_size);
  type_double = need(library, "ompi_mpi_double", &missing, error, error_size);
  type_int32 = need(library, "ompi_mpi_int32_t", &missing, error, error_size);
  type_int64 = need(library, "ompi_mpi_int64_t", &missing, error, error_size);
  type_byte = need(library, "ompi_mpi_byte", &missing, error, error_size);
  op_sum = need(library, "ompi_mpi_op_sum", &missing, error, error_size);
  op_max = need(library, "ompi_mpi_op_max", &missing, error, error_size);
  if (missing) return -1;
  int started = 0;
  p_initialized(&started);
  if (!started) {
    int code = p_init(NULL, NULL);
    if (code != 0) {
      char text[MPI_MAX_ERROR_STRING] = {0};
      int length = 0;
      p_error_string(code, text, &length);
      snprintf(error, error_size, "MPI_Init failed: %s", text);
      return -1;
    }
  }
  p_comm_rank(comm_world, &world_rank);
  p_comm_size(comm_world, &world_size);
  return 0;
}

int cmpi_rank(void) { return world_rank; }
int cmpi_size(void) { return world_size; }
int cmpi_finalize(void) { return p_finalize ? p_finalize() : 0; }

/// In-place allreduce in pieces of at most 2^30 elements.
static int allreduce(void *buffer, int64_t count, size_t element, MPI_Datatype type, MPI_Op op) {
  char *p = buffer;
  while (count > 0) {
    int n = count > (1 << 30) ? (1 << 30) : (int)count;
    int code = p_allreduce(MPI_IN_PLACE, p, n, type, op, comm_world);
    if (code != 0) return code;
    p += (size_t)n * element;
    count -= n;
  }
  return 0;
}

int cmpi_allreduce_float_sum(float *buffer, int64_t count) { return allreduce(buffer, count, 4, type_float, op_sum); }
int cmpi_allreduce_double_sum(double *buffer, int64_t count) { return allreduce(buffer, count, 8, type_double, op_sum); }
int cmpi_allreduce_int64_max(int64_t *buffer, int64_t count) { return allreduce(buffer, count, 8, type_int64, op_max); }

static int allgatherv(const void *send, int send_count, MPI_Datatype type, void *receive, const int *counts) {
  int *displacements = malloc(sizeof(int) * (size_t)world_size);
  if (displacements == NULL) return -1;
  long long offset = 0;
  for (int r = 0; r < world_size; r++) {
    if (offset > INT_MAX) {
      free(displacements);
      return -1;
    }
    displacements[r] = (int)offset;
    offset += counts[r];
  }
  int code = p_allgatherv(send, send_count, type, receive, counts, displacements, type, comm_world);
  free(displacements);
  return code;
}

int cmpi_allgatherv_float(const float *send, int send_count, float *receive, const int *counts) {
  return allgatherv(send, send_count, type_float, receive, counts);
}
int cmpi_allgatherv_int32(const int32_t *send, int send_count, int32_t *receive, const int *counts) {
  return allgatherv(send, send_count, type_int32, receive, counts);
}
int cmpi_allgather_int32(int32_t value, int32_t *receive) {
  return p_allgather(&value, 1, type_int32, receive, 1, type_int32, comm_world);
}

int cmpi_reduce_scatter_float_sum(const float *send, float *receive, const int *counts) {
  return p_reduce_scatter(send, receive, counts, type_float, op_sum, comm_world);
}

int cmpi_bcast_bytes(void *buffer, int64_t count, int root) {
  char *p = buffer;
  while (count > 0) {
    int n = count > (1 << 30) ? (1 << 30) : (int)count;
    int code = p_bcast(p, n, type_byte, root, comm_world);
    if (code != 0) return code;
    p += n;
    count -= n;
  }
  return 0;
}

int cmpi_barrier(void) { return p_barrier(comm_world); }

void cmpi_error_string(int code, char *text, size_t size) {
  char buffer[MPI_MAX_ERROR_STRING] = {0};
  int length = 0;
  if (p_error_string && code > 0) p_error_string(code, buffer, &length);
  snprintf(text, size, "%s", length > 0 ? buffer : "unknown MPI error");
}

static char termination_message[1024];

static void on_sigterm(int signal_number) {
  (void)signal_number;
  ssize_t ignored = write(STDERR_FILENO, termination_message, strlen(termination_message));
  (void)ignored;
  _exit(143);
}

void cmpi_on_termination(const char *message) {
  snprintf(termination_message, sizeof termination_message, "%s", message);
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_sigterm;
  sigaction(SIGTERM, &action, NULL);
}
