#ifndef SEEDRL_DESCRIPTORS_H
#define SEEDRL_DESCRIPTORS_H
#include <stddef.h>

// Serialized FileDescriptorProtos of the protos this server speaks, for server
// reflection (generated into descriptors.c by scripts/generate-protos.sh).
extern const unsigned char seedrl_descriptor_learner[];
extern const size_t seedrl_descriptor_learner_size;
extern const unsigned char seedrl_descriptor_health[];
extern const size_t seedrl_descriptor_health_size;
extern const unsigned char seedrl_descriptor_reflection[];
extern const size_t seedrl_descriptor_reflection_size;

// Arrays of unknown size do not import into Swift: pointers do.
static inline const unsigned char *seedrl_descriptor_learner_bytes(void) { return seedrl_descriptor_learner; }
static inline const unsigned char *seedrl_descriptor_health_bytes(void) { return seedrl_descriptor_health; }
static inline const unsigned char *seedrl_descriptor_reflection_bytes(void) { return seedrl_descriptor_reflection; }

#endif
