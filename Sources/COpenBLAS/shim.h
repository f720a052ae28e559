#ifndef SEEDRL_COPENBLAS_SHIM_H
#define SEEDRL_COPENBLAS_SHIM_H
#include <cblas.h>
#endif
