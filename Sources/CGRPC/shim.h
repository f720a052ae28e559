#ifndef SEEDRL_CGRPC_SHIM_H
#define SEEDRL_CGRPC_SHIM_H
// <features.h> first: gRPC's port_platform.h defines _GNU_SOURCE, which would make
// this module's fd_set disagree with Swift's Glibc module.
#include <features.h>
#include <stdint.h>
#include <string.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/log.h>
#include <grpc/support/time.h>

// One-line forwarders for what Swift cannot call: macros, unions, anonymous structs.
// Prefixed seedrl_; nothing here holds state.

// Slices are passed by pointer: a small slice keeps its bytes inline, inside the struct,
// so a pointer into a by-value copy would dangle.
static inline const uint8_t *seedrl_slice_start(const grpc_slice *s) { return GRPC_SLICE_START_PTR(*s); }
static inline size_t seedrl_slice_length(const grpc_slice *s) { return GRPC_SLICE_LENGTH(*s); }
static inline uint32_t seedrl_propagate_defaults(void) { return GRPC_PROPAGATE_DEFAULTS; }

/// If `bb` is an uncompressed buffer made of one slice, points at its bytes without
/// copying and returns 1; otherwise returns 0 (the caller then reads it with a reader).
static inline int seedrl_byte_buffer_single_slice(grpc_byte_buffer *bb, const uint8_t **data, size_t *length) {
  if (bb->type != GRPC_BB_RAW || bb->data.raw.compression != GRPC_COMPRESS_NONE ||
      bb->data.raw.slice_buffer.count != 1) {
    return 0;
  }
  grpc_slice *s = &bb->data.raw.slice_buffer.slices[0];  // in place: inline bytes live there
  *data = GRPC_SLICE_START_PTR(*s);
  *length = GRPC_SLICE_LENGTH(*s);
  return 1;
}

static inline size_t seedrl_byte_buffer_length(grpc_byte_buffer *bb) { return grpc_byte_buffer_length(bb); }


/// Copies the (possibly many-slice, possibly compressed) message in `bb` into `dst`.
/// Returns its length, or SIZE_MAX when it does not fit in `capacity` or cannot be read.
static inline size_t seedrl_byte_buffer_copy(grpc_byte_buffer *bb, uint8_t *dst, size_t capacity) {
  grpc_byte_buffer_reader reader;
  if (!grpc_byte_buffer_reader_init(&reader, bb)) return SIZE_MAX;
  size_t used = 0;
  grpc_slice slice;
  int overflow = 0;
  while (grpc_byte_buffer_reader_next(&reader, &slice)) {
    size_t n = GRPC_SLICE_LENGTH(slice);
    if (!overflow && n <= capacity - used) {
      memcpy(dst + used, GRPC_SLICE_START_PTR(slice), n);
      used += n;
    } else {
      overflow = 1;
    }
    grpc_slice_unref(slice);
  }
  grpc_byte_buffer_reader_destroy(&reader);
  return overflow ? SIZE_MAX : used;
}

/// A byte buffer of `length` bytes for the caller to fill in place, at once, before
/// sending. Small messages (an Action: a few bytes) live inline in the buffer's own
/// slice, saving a heap allocation per reply; `*data` points there, so it is valid only
/// until the buffer is handed to the core.
static inline grpc_byte_buffer *seedrl_byte_buffer_allocate(size_t length, uint8_t **data) {
  grpc_slice slice = grpc_slice_malloc(length);
  grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&slice, 1);
  grpc_slice_unref(slice);
  *data = GRPC_SLICE_START_PTR(bb->data.raw.slice_buffer.slices[0]);
  return bb;
}

// --- batch operations -------------------------------------------------------
static inline void seedrl_op_send_initial_metadata(grpc_op *op, grpc_metadata *md, size_t count) {
  memset(op, 0, sizeof *op);
  op->op = GRPC_OP_SEND_INITIAL_METADATA;
  op->data.send_initial_metadata.count = count;
  op->data.send_initial_metadata.metadata = md;
}
static inline void seedrl_op_send_message(grpc_op *op, grpc_byte_buffer *bb) {
  memset(op, 0, sizeof *op);
  op->op = GRPC_OP_SEND_MESSAGE;
  op->data.send_message.send_message = bb;
}
static inline void seedrl_op_send_close_from_client(grpc_op *op) {
  memset(op, 0, sizeof *op);
  op->op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
}
static inline void seedrl_op_send_status_from_server(grpc_op *op, grpc_status_code code, grpc_slice *details) {
  memset(op, 0, sizeof *op);
  op->op = GRPC_OP_SEND_STATUS_FROM_SERVER;
  op->data.send_status_from_server.status = code;
  op->data.send_status_from_server.status_details = details;
}
static inline void seedrl_op_recv_initial_metadata(grpc_op *op, grpc_metadata_array *md) {
  memset(op, 0, sizeof *op);
  op->op = GRPC_OP_RECV_INITIAL_METADATA;
  op->data.recv_initial_metadata.recv_initial_metadata = md;
}
static inline void seedrl_op_recv_message(grpc_op *op, grpc_byte_buffer **slot) {
  memset(op, 0, sizeof *op);
  op->op = GRPC_OP_RECV_MESSAGE;
  op->data.recv_message.recv_message = slot;
}
static inline void seedrl_op_recv_status_on_client(grpc_op *op, grpc_metadata_array *trailing,
                                                   grpc_status_code *status, grpc_slice *details) {
  memset(op, 0, sizeof *op);
  op->op = GRPC_OP_RECV_STATUS_ON_CLIENT;
  op->data.recv_status_on_client.trailing_metadata = trailing;
  op->data.recv_status_on_client.status = status;
  op->data.recv_status_on_client.status_details = details;
}
static inline void seedrl_op_recv_close_on_server(grpc_op *op, int *cancelled) {
  memset(op, 0, sizeof *op);
  op->op = GRPC_OP_RECV_CLOSE_ON_SERVER;
  op->data.recv_close_on_server.cancelled = cancelled;
}

// --- channel arguments ------------------------------------------------------
static inline void seedrl_arg_integer(grpc_arg *arg, char *key, int value) {
  arg->type = GRPC_ARG_INTEGER;
  arg->key = key;
  arg->value.integer = value;
}
static inline void seedrl_arg_string(grpc_arg *arg, char *key, char *value) {
  arg->type = GRPC_ARG_STRING;
  arg->key = key;
  arg->value.string = value;
}

// --- metadata ---------------------------------------------------------------
static inline grpc_metadata *seedrl_metadata_at(grpc_metadata_array *array, size_t i) { return &array->metadata[i]; }
static inline const grpc_slice *seedrl_metadata_key(const grpc_metadata *md) { return &md->key; }
static inline const grpc_slice *seedrl_metadata_value(const grpc_metadata *md) { return &md->value; }
static inline const grpc_slice *seedrl_call_details_method(const grpc_call_details *d) { return &d->method; }
static inline void seedrl_metadata_set(grpc_metadata *md, grpc_slice key, grpc_slice value) {
  memset(md, 0, sizeof *md);
  md->key = key;
  md->value = value;
}

// --- time -------------------------------------------------------------------
static inline gpr_timespec seedrl_deadline_after_ms(int64_t ms) {
  if (ms < 0) return gpr_inf_future(GPR_CLOCK_MONOTONIC);
  return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(ms, GPR_TIMESPAN));
}
static inline gpr_timespec seedrl_inf_future(void) { return gpr_inf_future(GPR_CLOCK_REALTIME); }

#endif
