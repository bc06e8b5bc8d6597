/* Compiled as strict C99 by the build: proves mageio_abi.h needs nothing but the C standard library. */
#include <mageio/mageio_abi.h>

size_t mageio_abi_c_check_descriptor_size(void) { return sizeof(struct MageioPluginDescriptor); }
