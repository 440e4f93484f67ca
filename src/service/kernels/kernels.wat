;; reelrec's numeric kernels: the ranker's hot loops as WebAssembly SIMD over one shared memory.
;;
;; Every sum runs in float64 over float32 inputs, in exactly the order the TypeScript loop it
;; stands in for sums it (dotFrom, contentMoments, Prescorer.baseScores, mlpForward): a float64x2
;; lane is one of that loop's partial sums, WebAssembly never fuses a multiply with an add, and
;; products of two float32 values are exact in float64. So a kernel's answer is the loop's, bit
;; for bit (tests/service-kernels.test.ts), only faster.
;; Edit this file, then run `npm run build:kernels` to regenerate kernels-wasm.ts.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Σ x[d]·y[d] for d < n: partial sums s0..s3 (d mod 4; the tail joins s0), then s0 + s1 + (s2 + s3).
  (func $dot (param $x i32) (param $y i32) (param $n i32) (result f64)
    (local $a v128) (local $b v128) (local $end i32) (local $tail i32) (local $s0 f64)
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (local.set $tail (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $a (f64x2.add (local.get $a)
          (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $x)))
                     (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $y))))))
        (local.set $b (f64x2.add (local.get $b)
          (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $x)))
                     (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $y))))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (br $next)))
    (local.set $s0 (f64x2.extract_lane 0 (local.get $a)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $x) (local.get $tail)))
        (local.set $s0 (f64.add (local.get $s0)
          (f64.mul (f64.promote_f32 (f32.load (local.get $x))) (f64.promote_f32 (f32.load (local.get $y))))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (br $next)))
    (f64.add (f64.add (local.get $s0) (f64x2.extract_lane 1 (local.get $a)))
             (f64.add (f64x2.extract_lane 0 (local.get $b)) (f64x2.extract_lane 1 (local.get $b)))))

  ;; out[c] = dot(x, rows + row·stride, n) for c < count, where row = items[c], or first + c when
  ;; items is 0 (a contiguous run of rows); out is float64.
  (func (export "dotRows") (param $x i32) (param $rows i32) (param $stride i32) (param $items i32)
      (param $first i32) (param $count i32) (param $n i32) (param $out i32)
    (local $c i32) (local $row i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $c) (local.get $count)))
        (local.set $row (if (result i32) (local.get $items)
          (then (i32.load (i32.add (local.get $items) (i32.shl (local.get $c) (i32.const 2)))))
          (else (i32.add (local.get $first) (local.get $c)))))
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 3)))
          (call $dot (local.get $x) (i32.add (local.get $rows) (i32.mul (local.get $row) (local.get $stride))) (local.get $n)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $next))))

  ;; Content score moments from a packed upper triangle (row a holds columns a … dim − 1):
  ;; out[0] = Σ taste[a]·mu[a] (mu float64), out[1] = Σ over taste[a] ≠ 0 of
  ;; taste[a]·(taste[a]·upper[row] + 2·dot(taste[a + 1 …], upper[row + 1 …])).
  (func (export "contentMoments") (param $taste i32) (param $mu i32) (param $upper i32) (param $dim i32) (param $out i32)
    (local $a i32) (local $row i32) (local $ta f64) (local $mean f64) (local $variance f64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $a) (local.get $dim)))
        (local.set $ta (f64.promote_f32 (f32.load (i32.add (local.get $taste) (i32.shl (local.get $a) (i32.const 2))))))
        (local.set $mean (f64.add (local.get $mean) (f64.mul (local.get $ta) (f64.load (i32.add (local.get $mu) (i32.shl (local.get $a) (i32.const 3)))))))
        (if (f64.ne (local.get $ta) (f64.const 0))
          (then
            (local.set $variance (f64.add (local.get $variance) (f64.mul (local.get $ta) (f64.add
              (f64.mul (local.get $ta) (f64.promote_f32 (f32.load (i32.add (local.get $upper) (i32.shl (local.get $row) (i32.const 2))))))
              (f64.mul (f64.const 2) (call $dot
                (i32.add (local.get $taste) (i32.shl (i32.add (local.get $a) (i32.const 1)) (i32.const 2)))
                (i32.add (local.get $upper) (i32.shl (i32.add (local.get $row) (i32.const 1)) (i32.const 2)))
                (i32.sub (i32.sub (local.get $dim) (local.get $a)) (i32.const 1))))))))))
        (local.set $row (i32.add (local.get $row) (i32.sub (local.get $dim) (local.get $a))))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $next)))
    (f64.store (local.get $out) (local.get $mean))
    (f64.store offset=8 (local.get $out) (local.get $variance)))

  ;; The prescore's base of each listed movie j (items[c], or first + c when items is 0), as float32
  ;; into out[c]: popScale·popularity[j] + setZ[setOf[j]], plus, when gmfScale ≠ 0,
  ;; gmfScale·(mlpPrior[j] + dot(gmf, gmfItem row j)) — in that order, as Prescorer.baseScores sums it.
  (func (export "prescoreBase") (param $popScale f64) (param $gmfScale f64) (param $popularity i32) (param $setZ i32)
      (param $setOf i32) (param $mlpPrior i32) (param $gmf i32) (param $gmfItem i32) (param $factors i32)
      (param $items i32) (param $first i32) (param $count i32) (param $out i32)
    (local $c i32) (local $j i32) (local $s f64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $c) (local.get $count)))
        (local.set $j (if (result i32) (local.get $items)
          (then (i32.load (i32.add (local.get $items) (i32.shl (local.get $c) (i32.const 2)))))
          (else (i32.add (local.get $first) (local.get $c)))))
        (local.set $s (f64.add
          (f64.mul (local.get $popScale) (f64.promote_f32 (f32.load (i32.add (local.get $popularity) (i32.shl (local.get $j) (i32.const 2))))))
          (f64.promote_f32 (f32.load (i32.add (local.get $setZ)
            (i32.shl (i32.load (i32.add (local.get $setOf) (i32.shl (local.get $j) (i32.const 2)))) (i32.const 2)))))))
        (if (f64.ne (local.get $gmfScale) (f64.const 0))
          (then
            (local.set $s (f64.add (local.get $s) (f64.mul (local.get $gmfScale) (f64.add
              (f64.promote_f32 (f32.load (i32.add (local.get $mlpPrior) (i32.shl (local.get $j) (i32.const 2)))))
              (call $dot (local.get $gmf)
                (i32.add (local.get $gmfItem) (i32.shl (i32.mul (local.get $j) (local.get $factors)) (i32.const 2)))
                (local.get $factors))))))))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2))) (f32.demote_f64 (local.get $s)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $next))))

  ;; next[o] = max(bias[o] + Σ_i h[i]·kernel[i·outputs + o], 0) as float32, each sum over i in
  ;; order: eight outputs (four float64x2 sums) a pass, then two, then one.
  (func $dense (param $h i32) (param $next i32) (param $kernel i32) (param $bias i32) (param $inputs i32) (param $outputs i32)
    (local $o i32) (local $i i32) (local $k i32) (local $row i32) (local $x v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $s f64) (local $zero v128)
    (local.set $row (i32.shl (local.get $outputs) (i32.const 2)))
    (block $done8
      (loop $next8
        (br_if $done8 (i32.gt_u (i32.add (local.get $o) (i32.const 8)) (local.get $outputs)))
        (local.set $k (i32.add (local.get $bias) (i32.shl (local.get $o) (i32.const 2))))
        (local.set $a0 (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $k))))
        (local.set $a1 (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $k))))
        (local.set $a2 (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 (local.get $k))))
        (local.set $a3 (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 (local.get $k))))
        (local.set $k (i32.add (local.get $kernel) (i32.shl (local.get $o) (i32.const 2))))
        (local.set $i (i32.const 0))
        (block $doneI
          (loop $nextI
            (br_if $doneI (i32.ge_u (local.get $i) (local.get $inputs)))
            (local.set $x (f64x2.splat (f64.promote_f32 (f32.load (i32.add (local.get $h) (i32.shl (local.get $i) (i32.const 2)))))))
            (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $x) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $k))))))
            (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $x) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $k))))))
            (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $x) (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 (local.get $k))))))
            (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $x) (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 (local.get $k))))))
            (local.set $k (i32.add (local.get $k) (local.get $row)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $nextI)))
        (local.set $k (i32.add (local.get $next) (i32.shl (local.get $o) (i32.const 2))))
        (v128.store64_lane 0 (local.get $k) (f32x4.demote_f64x2_zero (f64x2.max (local.get $a0) (local.get $zero))))
        (v128.store64_lane offset=8 0 (local.get $k) (f32x4.demote_f64x2_zero (f64x2.max (local.get $a1) (local.get $zero))))
        (v128.store64_lane offset=16 0 (local.get $k) (f32x4.demote_f64x2_zero (f64x2.max (local.get $a2) (local.get $zero))))
        (v128.store64_lane offset=24 0 (local.get $k) (f32x4.demote_f64x2_zero (f64x2.max (local.get $a3) (local.get $zero))))
        (local.set $o (i32.add (local.get $o) (i32.const 8)))
        (br $next8)))
    (block $done2
      (loop $next2
        (br_if $done2 (i32.gt_u (i32.add (local.get $o) (i32.const 2)) (local.get $outputs)))
        (local.set $a0 (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $bias) (i32.shl (local.get $o) (i32.const 2))))))
        (local.set $k (i32.add (local.get $kernel) (i32.shl (local.get $o) (i32.const 2))))
        (local.set $i (i32.const 0))
        (block $doneI
          (loop $nextI
            (br_if $doneI (i32.ge_u (local.get $i) (local.get $inputs)))
            (local.set $x (f64x2.splat (f64.promote_f32 (f32.load (i32.add (local.get $h) (i32.shl (local.get $i) (i32.const 2)))))))
            (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $x) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $k))))))
            (local.set $k (i32.add (local.get $k) (local.get $row)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $nextI)))
        (v128.store64_lane 0 (i32.add (local.get $next) (i32.shl (local.get $o) (i32.const 2)))
          (f32x4.demote_f64x2_zero (f64x2.max (local.get $a0) (local.get $zero))))
        (local.set $o (i32.add (local.get $o) (i32.const 2)))
        (br $next2)))
    (block $done1
      (loop $next1
        (br_if $done1 (i32.ge_u (local.get $o) (local.get $outputs)))
        (local.set $s (f64.promote_f32 (f32.load (i32.add (local.get $bias) (i32.shl (local.get $o) (i32.const 2))))))
        (local.set $k (i32.add (local.get $kernel) (i32.shl (local.get $o) (i32.const 2))))
        (local.set $i (i32.const 0))
        (block $doneI
          (loop $nextI
            (br_if $doneI (i32.ge_u (local.get $i) (local.get $inputs)))
            (local.set $s (f64.add (local.get $s) (f64.mul
              (f64.promote_f32 (f32.load (i32.add (local.get $h) (i32.shl (local.get $i) (i32.const 2)))))
              (f64.promote_f32 (f32.load (local.get $k))))))
            (local.set $k (i32.add (local.get $k) (local.get $row)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $nextI)))
        (f32.store (i32.add (local.get $next) (i32.shl (local.get $o) (i32.const 2)))
          (f32.demote_f64 (f64.max (local.get $s) (f64.const 0))))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $next1))))

  ;; Σ x[d]·y[d] for d < n in one running sum, added to start.
  (func $chain (param $start f64) (param $x i32) (param $y i32) (param $n i32) (result f64)
    (local $end i32)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $start (f64.add (local.get $start)
          (f64.mul (f64.promote_f32 (f32.load (local.get $x))) (f64.promote_f32 (f32.load (local.get $y))))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (br $next)))
    (local.get $start))

  ;; The fold-in's NeuMF logit of each listed movie (items[c], or first + c when items is 0) for a
  ;; user given by its first-layer term and GMF vector, rounded to float32 into out[c].
  ;; model: i32 words [factors, width1, itemFirst, gmfItem, outMlp, layers, then per layer
  ;; kernel, bias, inputs, outputs]; ha and hb: float32 scratch as wide as the widest layer.
  (func (export "foldInLogits") (param $model i32) (param $outBias f64) (param $userTerm i32) (param $gmf i32)
      (param $items i32) (param $first i32) (param $count i32) (param $out i32) (param $ha i32) (param $hb i32)
    (local $c i32) (local $j i32) (local $k i32) (local $width1 i32) (local $src i32) (local $h i32) (local $t i32)
    (local $layer i32) (local $layers i32) (local $desc i32) (local $width i32) (local $logit f64) (local $zero v128)
    (local.set $width1 (i32.load offset=4 (local.get $model)))
    (local.set $layers (i32.load offset=20 (local.get $model)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $c) (local.get $count)))
        (local.set $j (if (result i32) (local.get $items)
          (then (i32.load (i32.add (local.get $items) (i32.shl (local.get $c) (i32.const 2)))))
          (else (i32.add (local.get $first) (local.get $c)))))
        ;; First layer: ReLU(item half + user term), two at a time, then one.
        (local.set $src (i32.add (i32.load offset=8 (local.get $model)) (i32.shl (i32.mul (local.get $j) (local.get $width1)) (i32.const 2))))
        (local.set $k (i32.const 0))
        (block $doneK
          (loop $nextK
            (br_if $doneK (i32.gt_u (i32.add (local.get $k) (i32.const 2)) (local.get $width1)))
            (local.set $t (i32.shl (local.get $k) (i32.const 2)))
            (v128.store64_lane 0 (i32.add (local.get $ha) (local.get $t))
              (f32x4.demote_f64x2_zero (f64x2.max
                (f64x2.add (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $src) (local.get $t))))
                           (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $userTerm) (local.get $t)))))
                (local.get $zero))))
            (local.set $k (i32.add (local.get $k) (i32.const 2)))
            (br $nextK)))
        (if (i32.lt_u (local.get $k) (local.get $width1))
          (then
            (local.set $t (i32.shl (local.get $k) (i32.const 2)))
            (f32.store (i32.add (local.get $ha) (local.get $t))
              (f32.demote_f64 (f64.max
                (f64.add (f64.promote_f32 (f32.load (i32.add (local.get $src) (local.get $t))))
                         (f64.promote_f32 (f32.load (i32.add (local.get $userTerm) (local.get $t)))))
                (f64.const 0))))))
        ;; Dense layers, ping-ponging between ha and hb.
        (local.set $h (local.get $ha))
        (local.set $width (local.get $width1))
        (local.set $layer (i32.const 0))
        (block $doneL
          (loop $nextL
            (br_if $doneL (i32.ge_u (local.get $layer) (local.get $layers)))
            (local.set $desc (i32.add (i32.add (local.get $model) (i32.const 24)) (i32.shl (local.get $layer) (i32.const 4))))
            (local.set $t (if (result i32) (i32.eq (local.get $h) (local.get $ha)) (then (local.get $hb)) (else (local.get $ha))))
            (call $dense (local.get $h) (local.get $t)
              (i32.load (local.get $desc)) (i32.load offset=4 (local.get $desc))
              (i32.load offset=8 (local.get $desc)) (i32.load offset=12 (local.get $desc)))
            (local.set $width (i32.load offset=12 (local.get $desc)))
            (local.set $h (local.get $t))
            (local.set $layer (i32.add (local.get $layer) (i32.const 1)))
            (br $nextL)))
        ;; Logit: bias, then the MLP output, then the GMF term, each one running sum in order.
        (local.set $logit (call $chain (local.get $outBias) (local.get $h) (i32.load offset=16 (local.get $model)) (local.get $width)))
        (local.set $logit (call $chain (local.get $logit) (local.get $gmf)
          (i32.add (i32.load offset=12 (local.get $model)) (i32.shl (i32.mul (local.get $j) (i32.load (local.get $model))) (i32.const 2)))
          (i32.load (local.get $model))))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2))) (f32.demote_f64 (local.get $logit)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $next))))
)
