#ifndef SEEDRL_ARENA_H
#define SEEDRL_ARENA_H
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

/// A bump allocator for protobuf-c unpacking: a message decodes into memory the caller
/// owns (one buffer per stream, sized from the spec), so the per-step path never calls
/// malloc. `seedrl_arena_reset` before each unpack; nothing is freed one by one.
typedef struct seedrl_arena {
  ProtobufCAllocator allocator;  // first, so the arena can be passed where an allocator is wanted
  uint8_t *base;
  size_t capacity;
  size_t used;
} seedrl_arena;

void seedrl_arena_init(seedrl_arena *arena, uint8_t *base, size_t capacity);
static inline void seedrl_arena_reset(seedrl_arena *arena) { arena->used = 0; }
static inline ProtobufCAllocator *seedrl_arena_allocator(seedrl_arena *arena) { return &arena->allocator; }

#endif
