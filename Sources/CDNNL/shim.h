#include <stddef.h>
#include <stdio.h>
#include <dnnl.h>
