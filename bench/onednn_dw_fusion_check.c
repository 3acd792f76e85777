/* Does oneDNN's fused depthwise post-op (a 1×1 convolution + 3×3 depthwise in one primitive,
 * `dnnl_post_ops_append_dw`) give the same output as the two convolutions in turn?
 *
 *   gcc -O2 bench/onednn_dw_fusion_check.c -ldnnl -lm -o /tmp/dwcheck
 *   /tmp/dwcheck 64 24 144 1          # NHWC, the runtime's layout
 *   /tmp/dwcheck 64 24 144 1 b        # nChw16c (oneDNN's blocked layout)
 *   /tmp/dwcheck 64 24 144 1 b c      # NHWC input, blocked output
 *
 * Arguments: H Cin Cexpanded stride [b: blocked] [c: NHWC source]. Random input and weights; the
 * expand is ReLU6, the depthwise ReLU6 (MobileNetV2's block). Prints the implementation and the
 * largest difference. With Debian's oneDNN 2.6.3 on AVX-512 (2026-12-05): NHWC → jit_1x1 with
 * max difference 6 (wrong: the fused kernel misreads NHWC; in the Swift runtime it also crashed
 * once reading out of bounds; timed in NHWC it took 0.44–0.56× the pair's time at 256²–512²
 * inputs, which is what made it worth checking); nChw16c → correct (1e-6; not timed);
 * NHWC in, blocked out → ref_fused_convolution (slow). The runtime keeps NHWC tensors, so the
 * fusion is not used (docs/speed.md, tried and dropped).
 */
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#define CHK(x) do { dnnl_status_t s_ = (x); if (s_ != dnnl_success) { printf("fail %s: %d\n", #x, s_); exit(1); } } while (0)
static dnnl_engine_t eng; static dnnl_stream_t st;
static void reorder(const dnnl_memory_desc_t *from, void *fd, const dnnl_memory_desc_t *to, void *td) {
  dnnl_primitive_desc_t pd; CHK(dnnl_reorder_primitive_desc_create(&pd, from, eng, to, eng, NULL));
  dnnl_primitive_t p; CHK(dnnl_primitive_create(&p, pd));
  dnnl_memory_t a, b; CHK(dnnl_memory_create(&a, from, eng, fd)); CHK(dnnl_memory_create(&b, to, eng, td));
  dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, a}, {DNNL_ARG_TO, b}};
  CHK(dnnl_primitive_execute(p, st, 2, args)); CHK(dnnl_stream_wait(st));
}
static float *rnd(size_t n, float s) { float *p = aligned_alloc(64, ((n * 4 + 63) / 64) * 64 + 64); for (size_t i = 0; i < n; i++) p[i] = s * ((rand() % 2001) / 1000.0f - 1); return p; }
static void *buf(const dnnl_memory_desc_t *md) { return aligned_alloc(64, (dnnl_memory_desc_get_size(md) + 63) / 64 * 64 + 64); }
int main(int argc, char **argv) {
  int H = atoi(argv[1]), Cin = atoi(argv[2]), C = atoi(argv[3]), S = atoi(argv[4]); dnnl_format_tag_t tag = argc > 5 ? dnnl_nChw16c : dnnl_nhwc; dnnl_format_tag_t stag = argc > 6 ? dnnl_nhwc : tag;
  CHK(dnnl_engine_create(&eng, dnnl_cpu, 0)); CHK(dnnl_stream_create(&st, eng, dnnl_stream_default_flags));
  int W = H + 8, Ho = S == 2 ? H / 2 : H, Wo = S == 2 ? W / 2 : W;
  float *x = rnd((size_t)H * W * Cin, 2), *ew = rnd(C * Cin, 0.4), *eb = rnd(C, 0.5), *dw = rnd(C * 9, 0.6), *db = rnd(C, 0.5);
  dnnl_memory_desc_t src, wany, bia, mid, out, ewu, dwu, dwany;
  dnnl_dims_t sd = {1, Cin, H, W}, wd = {C, Cin, 1, 1}, bd = {C}, md = {1, C, H, W}, od = {1, C, Ho, Wo}, gd = {C, 1, 1, 3, 3};
  CHK(dnnl_memory_desc_init_by_tag(&src, 4, sd, dnnl_f32, dnnl_nhwc));
  dnnl_memory_desc_t srct; CHK(dnnl_memory_desc_init_by_tag(&srct, 4, sd, dnnl_f32, stag));
  CHK(dnnl_memory_desc_init_by_tag(&wany, 4, wd, dnnl_f32, dnnl_format_tag_any));
  CHK(dnnl_memory_desc_init_by_tag(&ewu, 4, wd, dnnl_f32, dnnl_oihw));
  CHK(dnnl_memory_desc_init_by_tag(&bia, 1, bd, dnnl_f32, dnnl_x));
  CHK(dnnl_memory_desc_init_by_tag(&mid, 4, md, dnnl_f32, tag));
  CHK(dnnl_memory_desc_init_by_tag(&out, 4, od, dnnl_f32, dnnl_nhwc));
  CHK(dnnl_memory_desc_init_by_tag(&dwu, 5, gd, dnnl_f32, dnnl_goihw));
  CHK(dnnl_memory_desc_init_by_tag(&dwany, 5, gd, dnnl_f32, dnnl_format_tag_any));
  void *xs = buf(&srct); reorder(&src, x, &srct, xs);
  // unfused reference
  dnnl_convolution_desc_t c1, c2; dnnl_dims_t one = {1, 1}, zero = {0, 0}, ss = {S, S}, p1 = {1, 1};
  dnnl_memory_desc_t midn; CHK(dnnl_memory_desc_init_by_tag(&midn, 4, md, dnnl_f32, dnnl_nhwc));
  CHK(dnnl_convolution_forward_desc_init(&c1, dnnl_forward_inference, dnnl_convolution_direct, &src, &wany, &bia, &midn, one, zero, zero));
  CHK(dnnl_convolution_forward_desc_init(&c2, dnnl_forward_inference, dnnl_convolution_direct, &midn, &dwany, &bia, &out, ss, p1, p1));
  dnnl_primitive_attr_t a; CHK(dnnl_primitive_attr_create(&a)); dnnl_post_ops_t po; CHK(dnnl_post_ops_create(&po));
  CHK(dnnl_post_ops_append_eltwise(po, 1, dnnl_eltwise_clip, 0, 6)); CHK(dnnl_primitive_attr_set_post_ops(a, po));
  dnnl_primitive_desc_t pd1, pd2; CHK(dnnl_primitive_desc_create(&pd1, &c1, a, eng, NULL)); CHK(dnnl_primitive_desc_create(&pd2, &c2, a, eng, NULL));
  void *w1 = buf(dnnl_primitive_desc_query_md(pd1, dnnl_query_weights_md, 0)); reorder(&ewu, ew, dnnl_primitive_desc_query_md(pd1, dnnl_query_weights_md, 0), w1);
  void *w2 = buf(dnnl_primitive_desc_query_md(pd2, dnnl_query_weights_md, 0)); reorder(&dwu, dw, dnnl_primitive_desc_query_md(pd2, dnnl_query_weights_md, 0), w2);
  float *m = buf(&midn), *r = buf(&out), *f = buf(&out);
  dnnl_memory_t ms, mw1, mb1, mm, mw2, mb2, mr;
  CHK(dnnl_memory_create(&ms, &src, eng, x)); CHK(dnnl_memory_create(&mw1, dnnl_primitive_desc_query_md(pd1, dnnl_query_weights_md, 0), eng, w1));
  CHK(dnnl_memory_create(&mb1, &bia, eng, eb)); CHK(dnnl_memory_create(&mm, &midn, eng, m));
  CHK(dnnl_memory_create(&mw2, dnnl_primitive_desc_query_md(pd2, dnnl_query_weights_md, 0), eng, w2));
  CHK(dnnl_memory_create(&mb2, &bia, eng, db)); CHK(dnnl_memory_create(&mr, &out, eng, r));
  dnnl_primitive_t p1p, p2p; CHK(dnnl_primitive_create(&p1p, pd1)); CHK(dnnl_primitive_create(&p2p, pd2));
  dnnl_exec_arg_t a1[4] = {{DNNL_ARG_SRC, ms}, {DNNL_ARG_WEIGHTS, mw1}, {DNNL_ARG_BIAS, mb1}, {DNNL_ARG_DST, mm}};
  dnnl_exec_arg_t a2[4] = {{DNNL_ARG_SRC, mm}, {DNNL_ARG_WEIGHTS, mw2}, {DNNL_ARG_BIAS, mb2}, {DNNL_ARG_DST, mr}};
  CHK(dnnl_primitive_execute(p1p, st, 4, a1)); CHK(dnnl_primitive_execute(p2p, st, 4, a2)); CHK(dnnl_stream_wait(st));
  // fused
  dnnl_convolution_desc_t cf;
  CHK(dnnl_convolution_forward_desc_init(&cf, dnnl_forward_inference, dnnl_convolution_direct, &srct, &wany, &bia, &mid, one, zero, zero));
  dnnl_primitive_attr_t af; CHK(dnnl_primitive_attr_create(&af)); dnnl_post_ops_t pf; CHK(dnnl_post_ops_create(&pf));
  CHK(dnnl_post_ops_append_eltwise(pf, 1, dnnl_eltwise_clip, 0, 6));
  CHK(dnnl_post_ops_append_dw(pf, dnnl_f32, dnnl_f32, dnnl_f32, 3, S, 1, 0, 0, NULL));
  CHK(dnnl_post_ops_append_eltwise(pf, 1, dnnl_eltwise_clip, 0, 6)); CHK(dnnl_primitive_attr_set_post_ops(af, pf));
  dnnl_primitive_desc_t pdf; CHK(dnnl_primitive_desc_create(&pdf, &cf, af, eng, NULL));
  const char *impl; dnnl_primitive_desc_query(pdf, dnnl_query_impl_info_str, 0, &impl);
  const dnnl_memory_desc_t *fw = dnnl_primitive_desc_query_md(pdf, dnnl_query_weights_md, 0);
  const dnnl_memory_desc_t *fdw = dnnl_primitive_desc_query_md(pdf, dnnl_query_exec_arg_md, DNNL_ARG_ATTR_POST_OP_DW | DNNL_ARG_WEIGHTS);
  const dnnl_memory_desc_t *fdb = dnnl_primitive_desc_query_md(pdf, dnnl_query_exec_arg_md, DNNL_ARG_ATTR_POST_OP_DW | DNNL_ARG_BIAS);
  const dnnl_memory_desc_t *fdst = dnnl_primitive_desc_query_md(pdf, dnnl_query_dst_md, 0);
  void *fw1 = buf(fw); reorder(&ewu, ew, fw, fw1);
  void *fw2 = buf(fdw); reorder(&dwu, dw, fdw, fw2);
  void *fb2 = buf(fdb); reorder(&bia, db, fdb, fb2);
  void *fo = buf(fdst);
  dnnl_memory_t xs_m, fw1m, fb1m, fw2m, fb2m, fom;
  CHK(dnnl_memory_create(&xs_m, &srct, eng, xs)); CHK(dnnl_memory_create(&fw1m, fw, eng, fw1)); CHK(dnnl_memory_create(&fb1m, &bia, eng, eb));
  CHK(dnnl_memory_create(&fw2m, fdw, eng, fw2)); CHK(dnnl_memory_create(&fb2m, fdb, eng, fb2)); CHK(dnnl_memory_create(&fom, fdst, eng, fo));
  dnnl_primitive_t pf_p; CHK(dnnl_primitive_create(&pf_p, pdf));
  dnnl_exec_arg_t af_args[6] = {{DNNL_ARG_SRC, xs_m}, {DNNL_ARG_WEIGHTS, fw1m}, {DNNL_ARG_BIAS, fb1m}, {DNNL_ARG_DST, fom},
    {DNNL_ARG_ATTR_POST_OP_DW | DNNL_ARG_WEIGHTS, fw2m}, {DNNL_ARG_ATTR_POST_OP_DW | DNNL_ARG_BIAS, fb2m}};
  CHK(dnnl_primitive_execute(pf_p, st, 6, af_args)); CHK(dnnl_stream_wait(st));
  reorder(fdst, fo, &out, f);
  double maxd = 0; size_t n = (size_t)Ho * Wo * C;
  for (size_t i = 0; i < n; i++) { double d = fabs(f[i] - r[i]); if (d > maxd) maxd = d; }
  printf("H=%d %d->%d s%d %s impl=%s max|fused-unfused|=%g dst ndims %d\n", H, Cin, C, S, argc > 6 ? "src nhwc dst nChw16c" : argc > 5 ? "nChw16c" : "nhwc", impl, maxd, fdst->ndims);
}
