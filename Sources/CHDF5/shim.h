// HDF5's type and property-list constants are macros that call H5open(); Swift cannot import
// them, so they are re-exported here as inline functions.
#include <hdf5.h>

static inline hid_t ch5_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t ch5_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t ch5_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t ch5_c_s1(void) { return H5T_C_S1; }
static inline hid_t ch5_p_default(void) { return H5P_DEFAULT; }
static inline hid_t ch5_s_all(void) { return H5S_ALL; }
static inline hid_t ch5_dataset_create(void) { return H5Pcreate(H5P_DATASET_CREATE); }
static inline hid_t ch5_link_create(void) { return H5Pcreate(H5P_LINK_CREATE); }
static inline unsigned ch5_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned ch5_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned ch5_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline size_t ch5_variable(void) { return H5T_VARIABLE; }
// Silence HDF5's own stderr error stack; callers report errors themselves.
static inline void ch5_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
