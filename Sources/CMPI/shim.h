#ifndef SEEDRL_CMPI_SHIM_H
#define SEEDRL_CMPI_SHIM_H
// OpenMPI's handles are macros over opaque globals Swift cannot see; these return them.
#include <mpi.h>

static inline MPI_Comm seedrl_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype seedrl_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype seedrl_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Op seedrl_mpi_sum(void) { return MPI_SUM; }
static inline void *seedrl_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline int seedrl_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline int seedrl_mpi_success(void) { return MPI_SUCCESS; }
#endif
