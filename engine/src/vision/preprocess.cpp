// GLM-4V image preprocessing, bit-exact with both backends of HF's image processor:
//   PIL:         smart_resize → PIL Image.resize(BICUBIC) → x*rescale → (x-mean)/std (float32) → patchify
//   torchvision: smart_resize → torch bicubic antialias on uint8 → (x - mean/rescale)/(std/rescale) (float32,
//                the fused rescale+normalize of transformers' TorchvisionBackend) → patchify
#include <algorithm>
#include <cmath>
#include <cstring>

#include "sightline/error.h"
#include "sightline/image.h"
#include "vision/preprocess_internal.h"

namespace sightline {
namespace {

// Python round(): half to even. nearbyint uses the current rounding mode (to-nearest-even by default).
double pyRound(double x) {
    return std::nearbyint(x);
}

constexpr int kPrecisionBits = 32 - 8 - 2;  // PIL's fixed-point precision for 8-bit resampling

double bicubicFilter(double x) {
    constexpr double a = -0.5;  // PIL's bicubic
    if (x < 0.0) x = -x;
    if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
    return 0.0;
}

struct Coeffs {
    int ksize = 0;
    std::vector<int> bounds;  // [outSize, 2]: first tap, tap count
    std::vector<int32_t> kk;  // [outSize, ksize] fixed point
};

// PIL precompute_coeffs + normalize_coeffs_8bpc.
Coeffs precompute(int inSize, double in0, double in1, int outSize) {
    constexpr double support0 = 2.0;
    const double scale = (in1 - in0) / outSize;
    const double filterscale = scale < 1.0 ? 1.0 : scale;
    const double support = support0 * filterscale;
    Coeffs c;
    c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
    c.bounds.resize(size_t(outSize) * 2);
    c.kk.assign(size_t(outSize) * c.ksize, 0);
    std::vector<double> k(c.ksize);
    for (int xx = 0; xx < outSize; ++xx) {
        const double center = in0 + (xx + 0.5) * scale;
        const double ss = 1.0 / filterscale;
        int xmin = static_cast<int>(center - support + 0.5);
        if (xmin < 0) xmin = 0;
        int xmax = static_cast<int>(center + support + 0.5);
        if (xmax > inSize) xmax = inSize;
        xmax -= xmin;
        double ww = 0.0;
        for (int x = 0; x < xmax; ++x) {
            const double w = bicubicFilter((x + xmin - center + 0.5) * ss);
            k[x] = w;
            ww += w;
        }
        for (int x = 0; x < c.ksize; ++x) {
            double v = x < xmax ? (ww != 0.0 ? k[x] / ww : k[x]) : 0.0;
            c.kk[size_t(xx) * c.ksize + x] =
                v < 0 ? static_cast<int32_t>(-0.5 + v * (1 << kPrecisionBits)) : static_cast<int32_t>(0.5 + v * (1 << kPrecisionBits));
        }
        c.bounds[size_t(xx) * 2] = xmin;
        c.bounds[size_t(xx) * 2 + 1] = xmax;
    }
    return c;
}

uint8_t clip8(int32_t in) {
    if (in <= 0) return 0;
    if (in >= (int32_t(255) << kPrecisionBits)) {
        const int32_t v = in >> kPrecisionBits;
        return v > 255 ? 255 : static_cast<uint8_t>(v);
    }
    return static_cast<uint8_t>(in >> kPrecisionBits);
}

}  // namespace

ResizeResult smartResize(int height, int width, int factor, int64_t minPixels, int64_t maxPixels, int temporalFactor, int numFrames) {
    if (height <= 0 || width <= 0) throwBadInput("image has no pixels");
    double h = height, w = width;
    if (h < factor || w < factor) {
        const double s = std::max(double(factor) / h, double(factor) / w);
        h = std::trunc(h * s);
        w = std::trunc(w * s);
    }
    if (std::max(h, w) / std::min(h, w) > 200)
        throwBadInput("absolute aspect ratio must be smaller than 200, got " + std::to_string(std::max(h, w) / std::min(h, w)) + " (" +
                      std::to_string(width) + "x" + std::to_string(height) + ")");
    double hBar = pyRound(h / factor) * factor;
    double wBar = pyRound(w / factor) * factor;
    const double tBar = pyRound(double(numFrames) / temporalFactor) * temporalFactor;
    if (tBar * hBar * wBar > double(maxPixels)) {
        const double beta = std::sqrt((numFrames * h * w) / double(maxPixels));
        hBar = std::max<double>(factor, std::floor(h / beta / factor) * factor);
        wBar = std::max<double>(factor, std::floor(w / beta / factor) * factor);
    } else if (tBar * hBar * wBar < double(minPixels)) {
        const double beta = std::sqrt(double(minPixels) / (numFrames * h * w));
        hBar = std::ceil(h * beta / factor) * factor;
        wBar = std::ceil(w * beta / factor) * factor;
    }
    return {static_cast<int>(hBar), static_cast<int>(wBar)};
}

RgbImage resizeBicubicPil(const RgbImage& in, int outW, int outH) {
    if (outW <= 0 || outH <= 0) throwBadInput("resize to an empty size");
    if (outW == in.width && outH == in.height) return in;  // PIL returns a copy
    const bool needH = outW != in.width;
    const bool needV = outH != in.height;
    const Coeffs ch = precompute(in.width, 0.0, in.width, outW);
    Coeffs cv = precompute(in.height, 0.0, in.height, outH);
    const int yFirst = cv.bounds[0];
    const int yLast = cv.bounds[size_t(outH) * 2 - 2] + cv.bounds[size_t(outH) * 2 - 1];

    const RgbImage* src = &in;
    RgbImage tmp;
    if (needH) {
        for (int i = 0; i < outH; ++i) cv.bounds[size_t(i) * 2] -= yFirst;
        tmp.width = outW;
        tmp.height = yLast - yFirst;
        tmp.pixels.resize(size_t(tmp.width) * tmp.height * 3);
        for (int y = 0; y < tmp.height; ++y) {
            const uint8_t* row = &in.pixels[size_t(y + yFirst) * in.width * 3];
            uint8_t* out = &tmp.pixels[size_t(y) * outW * 3];
            for (int x = 0; x < outW; ++x) {
                const int xmin = ch.bounds[size_t(x) * 2], xmax = ch.bounds[size_t(x) * 2 + 1];
                const int32_t* k = &ch.kk[size_t(x) * ch.ksize];
                for (int c = 0; c < 3; ++c) {
                    int32_t ss = 1 << (kPrecisionBits - 1);
                    for (int t = 0; t < xmax; ++t) ss += row[(t + xmin) * 3 + c] * k[t];
                    out[x * 3 + c] = clip8(ss);
                }
            }
        }
        src = &tmp;
    }
    if (!needV) return tmp;
    RgbImage out;
    out.width = outW;
    out.height = outH;
    out.pixels.resize(size_t(outW) * outH * 3);
    for (int y = 0; y < outH; ++y) {
        const int ymin = cv.bounds[size_t(y) * 2], ymax = cv.bounds[size_t(y) * 2 + 1];
        const int32_t* k = &cv.kk[size_t(y) * cv.ksize];
        for (int x = 0; x < outW; ++x) {
            for (int c = 0; c < 3; ++c) {
                int32_t ss = 1 << (kPrecisionBits - 1);
                for (int t = 0; t < ymax; ++t) ss += src->pixels[(size_t(t + ymin) * src->width + x) * 3 + c] * k[t];
                out.pixels[(size_t(y) * outW + x) * 3 + c] = clip8(ss);
            }
        }
    }
    return out;
}

const char* imageResizeName(ImageResize resize) {
    return resize == ImageResize::Pil ? "pil" : "torchvision";
}

bool parseImageResize(const std::string& name, ImageResize* out) {
    if (name == "pil")
        *out = ImageResize::Pil;
    else if (name == "torchvision")
        *out = ImageResize::Torchvision;
    else
        return false;
    return true;
}

std::vector<float> normalizedPlanes(const RgbImage& resized, double rescaleFactor, const float meanIn[3], const float stdIn[3],
                                    ImageResize kind) {
    // Normalised planes [3][H][W], float32 arithmetic in the same order as HF.
    const size_t plane = size_t(resized.width) * resized.height;
    std::vector<float> norm(plane * 3);
    if (kind == ImageResize::Pil) {
        for (size_t i = 0; i < plane; ++i)
            for (int c = 0; c < 3; ++c) {
                const float x = static_cast<float>(double(resized.pixels[i * 3 + c]) * rescaleFactor);
                norm[size_t(c) * plane + i] = (x - meanIn[c]) / stdIn[c];
            }
    } else {
        // torch.tensor(mean) * (1.0 / rescale_factor): a float32 tensor times a Python float, computed in float32.
        const float inv = static_cast<float>(1.0 / rescaleFactor);
        float mean[3], stdv[3];
        for (int c = 0; c < 3; ++c) {
            mean[c] = meanIn[c] * inv;
            stdv[c] = stdIn[c] * inv;
        }
        for (size_t i = 0; i < plane; ++i)
            for (int c = 0; c < 3; ++c) norm[size_t(c) * plane + i] = (static_cast<float>(resized.pixels[i * 3 + c]) - mean[c]) / stdv[c];
    }
    return norm;
}

void patchifyFrames(const float* const* frames, int tps, int width, int height, int patch, int merge, float* dst) {
    // Rows in merge-block raster order (bh, bw, mh, mw); each row [C][T][ph][pw].
    const size_t plane = size_t(width) * height;
    const int64_t gridH = height / patch, gridW = width / patch;
    const int64_t bh = gridH / merge, bw = gridW / merge;
    for (int64_t by = 0; by < bh; ++by)
        for (int64_t bx = 0; bx < bw; ++bx)
            for (int my = 0; my < merge; ++my)
                for (int mx = 0; mx < merge; ++mx) {
                    const int64_t py = by * merge + my, px = bx * merge + mx;
                    for (int c = 0; c < 3; ++c)
                        for (int t = 0; t < tps; ++t)
                            for (int y = 0; y < patch; ++y) {
                                const float* src = &frames[t][size_t(c) * plane + size_t(py * patch + y) * width + px * patch];
                                std::memcpy(dst, src, sizeof(float) * patch);
                                dst += patch;
                            }
                }
}

PreprocessedImage preprocessImage(const RgbImage& image, const ImageProcessorConfig& cfg, int64_t maxPixelsOverride,
                                  const Resampler& resampler) {
    if (image.width <= 0 || image.height <= 0 || image.pixels.size() != size_t(image.width) * image.height * 3)
        throwBadInput("image buffer does not match its size");
    if (!resampler.resize) throwBadInput(std::string("no ") + imageResizeName(resampler.kind) + " resampler in this program");
    const int patch = cfg.patchSize, tps = cfg.temporalPatchSize, merge = cfg.mergeSize;
    const int64_t maxPixels = maxPixelsOverride > 0 ? std::min(maxPixelsOverride, cfg.maxPixels) : cfg.maxPixels;
    const int64_t minPixels = std::min(cfg.minPixels, maxPixels);
    const ResizeResult rs = smartResize(image.height, image.width, patch * merge, minPixels, maxPixels, tps, tps);
    const RgbImage resized = resampler.resize(image, rs.width, rs.height);
    if (resized.width != rs.width || resized.height != rs.height || resized.pixels.size() != size_t(rs.width) * rs.height * 3)
        throwBadInput("the resampler returned a wrong size");

    PreprocessedImage p;
    p.originalWidth = image.width;
    p.originalHeight = image.height;
    p.resizedWidth = rs.width;
    p.resizedHeight = rs.height;
    p.gridT = 1;  // a still image is one temporal patch (the frame is repeated tps times)
    p.gridH = rs.height / patch;
    p.gridW = rs.width / patch;
    p.numTokens = p.gridT * p.gridH * p.gridW / (int64_t(merge) * merge);
    p.rowSize = 3 * tps * patch * patch;

    const std::vector<float> norm = normalizedPlanes(resized, cfg.rescaleFactor, cfg.mean, cfg.std, resampler.kind);
    p.pixelValues.resize(size_t(p.gridH * p.gridW) * p.rowSize);
    const std::vector<const float*> frames(size_t(tps), norm.data());  // a still image: the frame repeated
    patchifyFrames(frames.data(), tps, rs.width, rs.height, patch, merge, p.pixelValues.data());
    return p;
}

}  // namespace sightline
