// Video decoding with FFmpeg's libraries (Debian's libavformat, libavcodec, libswscale), counted the
// way transformers' default loader (PyAV) counts: the first video stream, its header's frame count and
// average frame rate, frames numbered in the order the decoder returns them, converted to RGB24 with
// swscale's bilinear setting. Without FFmpeg at build time every entry point says so.
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>

#include "sightline/error.h"
#include "sightline/video.h"

#ifdef SIGHTLINE_HAVE_FFMPEG
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
}
#endif

namespace sightline {
#ifndef SIGHTLINE_HAVE_FFMPEG

bool videoDecodingSupported() {
    return false;
}
[[noreturn]] static void noFfmpeg() {
    throwBadInput("this build of Sightline has no video decoding (FFmpeg's libavformat/libavcodec were not found when it was built)");
}
VideoInfo probeVideo(const VideoSource&, const VideoDecodeOptions&) {
    noFfmpeg();
}
VideoSource videoSourceFromFile(const std::string&, const VideoDecodeOptions&) {
    noFfmpeg();
}
VideoSource videoSourceFromBytes(std::shared_ptr<const std::vector<uint8_t>>, const std::string&, const VideoDecodeOptions&) {
    noFfmpeg();
}
DecodedVideo decodeVideo(const VideoSource&, const VideoProcessorConfig&, const Resampler&, int64_t, const VideoDecodeOptions&) {
    noFfmpeg();
}
RgbImage decodeVideoPoster(const VideoSource&, const VideoDecodeOptions&) {
    noFfmpeg();
}

#else

namespace {

void checkRegularFile(const std::string& path, int64_t maxBytes) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throwBadInput("cannot read video " + path);
    if (!S_ISREG(st.st_mode)) throwBadInput(path + " is not a regular file");
    if (st.st_size > maxBytes)
        throwBadInput(path + ": the file is " + std::to_string(st.st_size >> 20) + " MiB, over the limit of " +
                      std::to_string(maxBytes >> 20) + " MiB");
    if (st.st_size == 0) throwBadInput(path + " is empty");
}

std::string avError(int code) {
    char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
    av_strerror(code, buf, sizeof buf);
    return buf;
}

// Reads the encoded bytes of a data: URI video through a custom AVIOContext.
struct MemoryReader {
    const std::vector<uint8_t>* bytes = nullptr;
    int64_t pos = 0;

    static int read(void* opaque, uint8_t* buf, int size) {
        auto* r = static_cast<MemoryReader*>(opaque);
        const int64_t left = static_cast<int64_t>(r->bytes->size()) - r->pos;
        if (left <= 0) return AVERROR_EOF;
        const int n = static_cast<int>(std::min<int64_t>(left, size));
        std::memcpy(buf, r->bytes->data() + r->pos, size_t(n));
        r->pos += n;
        return n;
    }
    static int64_t seek(void* opaque, int64_t offset, int whence) {
        auto* r = static_cast<MemoryReader*>(opaque);
        const auto size = static_cast<int64_t>(r->bytes->size());
        if (whence & AVSEEK_SIZE) return size;
        int64_t to = offset;
        switch (whence & ~AVSEEK_FORCE) {
            case SEEK_SET:
                break;
            case SEEK_CUR:
                to = r->pos + offset;
                break;
            case SEEK_END:
                to = size + offset;
                break;
            default:
                return AVERROR(EINVAL);
        }
        if (to < 0 || to > size) return AVERROR(EINVAL);
        r->pos = to;
        return to;
    }
};

// One open container and decoder over the first video stream; frees everything on destruction.
class Demuxer {
public:
    Demuxer(const VideoSource& src, const VideoDecodeOptions& opt) : m_name(src.name.empty() ? src.path : src.name), m_opt(opt) {
        try {
            open(src, opt);
        } catch (...) {
            release();  // a constructor that throws gets no destructor
            throw;
        }
    }
    ~Demuxer() { release(); }
    Demuxer(const Demuxer&) = delete;
    Demuxer& operator=(const Demuxer&) = delete;

    void open(const VideoSource& src, const VideoDecodeOptions& opt) {
        av_log_set_level(AV_LOG_QUIET);  // errors come back as exceptions naming the video
        m_fmt = avformat_alloc_context();
        if (!m_fmt) throw Error(ErrorKind::OutOfMemory, "out of memory opening a video");
        // Only container formats that hold their frames themselves: playlists (HLS), concat lists and
        // the like would open other files or URLs named inside an untrusted video.
        m_fmt->format_whitelist = av_strdup("mov,mp4,matroska,webm,avi,mpegts,mpeg,flv,ogg,nut,asf,gif,h264,hevc,mjpeg,m4v,rawvideo");
        m_fmt->protocol_whitelist = av_strdup(src.path.empty() ? "none" : "file");
        int rc = 0;
        if (src.path.empty()) {
            if (!src.bytes || src.bytes->empty()) throwBadInput(m_name + ": the video is empty");
            if (static_cast<int64_t>(src.bytes->size()) > opt.maxFileBytes) throwBadInput(m_name + ": the video is over the size limit");
            m_reader.bytes = src.bytes.get();
            constexpr int kBuf = 1 << 16;
            auto* buf = static_cast<uint8_t*>(av_malloc(kBuf));
            m_io = avio_alloc_context(buf, kBuf, 0, &m_reader, &MemoryReader::read, nullptr, &MemoryReader::seek);
            if (!m_io) {
                av_free(buf);
                throw Error(ErrorKind::OutOfMemory, "out of memory opening a video");
            }
            m_fmt->pb = m_io;
            m_fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
            rc = avformat_open_input(&m_fmt, nullptr, nullptr, nullptr);
        } else {
            checkRegularFile(src.path, opt.maxFileBytes);
            // Only regular files (checked above); "file:" keeps a name like "rtmp:…" a local path.
            rc = avformat_open_input(&m_fmt, ("file:" + src.path).c_str(), nullptr, nullptr);
        }
        if (rc < 0) {
            m_fmt = nullptr;  // avformat_open_input frees it on failure
            throwBadInput(m_name + " is not a video FFmpeg can read (" + avError(rc) + ")");
        }
        m_fmt->interrupt_callback.callback = &Demuxer::interrupted;
        m_fmt->interrupt_callback.opaque = this;
        if ((rc = avformat_find_stream_info(m_fmt, nullptr)) < 0) throwBadInput(m_name + ": no stream information (" + avError(rc) + ")");
        for (unsigned i = 0; i < m_fmt->nb_streams; ++i)
            if (m_fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) {
                m_stream = m_fmt->streams[i];
                break;
            }
        if (!m_stream) throwBadInput(m_name + " has no video stream");
        const AVCodecParameters* par = m_stream->codecpar;
        if (par->width <= 0 || par->height <= 0) throwBadInput(m_name + ": the video stream has no frame size");
        if (int64_t(par->width) * par->height > opt.maxFramePixels)
            throwBadInput(m_name + ": frames are " + std::to_string(par->width) + "x" + std::to_string(par->height) +
                          ", over the limit of " + std::to_string(opt.maxFramePixels) + " pixels");
        const AVCodec* codec = avcodec_find_decoder(par->codec_id);
        if (!codec) throwBadInput(m_name + ": no decoder for its codec (" + avcodec_get_name(par->codec_id) + ")");
        m_ctx = avcodec_alloc_context3(codec);
        if (!m_ctx) throw Error(ErrorKind::OutOfMemory, "out of memory opening a video decoder");
        if ((rc = avcodec_parameters_to_context(m_ctx, par)) < 0) throwBadInput(m_name + ": bad codec parameters (" + avError(rc) + ")");
        m_ctx->thread_count = 0;  // FFmpeg picks; the frames and their order do not depend on it
        if ((rc = avcodec_open2(m_ctx, codec, nullptr)) < 0) throwBadInput(m_name + ": cannot open its decoder (" + avError(rc) + ")");
        m_packet = av_packet_alloc();
        m_frame = av_frame_alloc();
        if (!m_packet || !m_frame) throw Error(ErrorKind::OutOfMemory, "out of memory decoding a video");
    }
    void release() {
        if (m_sws) sws_freeContext(m_sws);
        m_sws = nullptr;
        av_frame_free(&m_frame);
        av_packet_free(&m_packet);
        avcodec_free_context(&m_ctx);
        if (m_fmt) avformat_close_input(&m_fmt);
        if (m_io) {
            av_freep(&m_io->buffer);
            avio_context_free(&m_io);
        }
    }

    VideoInfo info() const {
        VideoInfo v;
        const AVCodecParameters* par = m_stream->codecpar;
        v.width = par->width;
        v.height = par->height;
        v.codec = avcodec_get_name(par->codec_id);
        v.totalFrames = m_stream->nb_frames;
        const AVRational rate = m_stream->avg_frame_rate;
        v.fps = rate.num > 0 && rate.den > 0 ? av_q2d(rate) : 0;
        return v;
    }

    // torchcodec's "exact" scan, which transformers 5 decodes video files with: every packet of the
    // stream (not marked discard) is a frame; the stream begins at the smallest pts and ends at the
    // largest pts + duration. Reads the container, decodes nothing.
    struct Scan {
        int64_t frames = 0;
        double beginSeconds = 0, endSeconds = 0;
    };
    Scan scan() {
        Scan s;
        int64_t begin = INT64_MAX, end = INT64_MIN;
        for (;;) {
            checkCancel();
            const int rc = av_read_frame(m_fmt, m_packet);
            if (rc == AVERROR_EOF || rc == AVERROR(EIO)) break;
            if (rc == AVERROR_EXIT) throw Error(ErrorKind::Cancelled, "cancelled");
            if (rc < 0) throwBadInput(m_name + ": cannot read the video (" + avError(rc) + ")");
            if (m_packet->stream_index == m_stream->index && !(m_packet->flags & AV_PKT_FLAG_DISCARD)) {
                const int64_t pts = m_packet->pts != AV_NOPTS_VALUE ? m_packet->pts : m_packet->dts;
                if (pts != AV_NOPTS_VALUE) {
                    begin = std::min(begin, pts);
                    end = std::max(end, pts + m_packet->duration);
                }
                ++s.frames;
            }
            av_packet_unref(m_packet);
        }
        if (begin != INT64_MAX) {
            const AVRational tb = m_stream->time_base;
            s.beginSeconds = static_cast<double>(begin) * tb.num / tb.den;
            s.endSeconds = static_cast<double>(end) * tb.num / tb.den;
        }
        if (av_seek_frame(m_fmt, m_stream->index, INT64_MIN, AVSEEK_FLAG_BACKWARD) < 0)
            avformat_seek_file(m_fmt, m_stream->index, INT64_MIN, 0, INT64_MAX, 0);
        return s;
    }

    // Calls onFrame(index, frame) for each decoded frame in order until it returns false or the
    // stream ends. Returns the number of frames decoded.
    template <class F>
    int64_t decode(F&& onFrame) {
        int64_t index = 0;
        bool more = true;
        auto drain = [&]() {
            for (;;) {
                const int rc = avcodec_receive_frame(m_ctx, m_frame);
                if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return true;
                if (rc < 0) throwBadInput(m_name + ": corrupt video at frame " + std::to_string(index) + " (" + avError(rc) + ")");
                const bool go = onFrame(index++, m_frame);
                av_frame_unref(m_frame);
                if (!go) return false;
            }
        };
        while (more) {
            checkCancel();
            const int rc = av_read_frame(m_fmt, m_packet);
            if (rc == AVERROR_EOF || rc == AVERROR(EIO)) break;
            if (rc == AVERROR_EXIT) throw Error(ErrorKind::Cancelled, "cancelled");
            if (rc < 0) throwBadInput(m_name + ": cannot read the video (" + avError(rc) + ")");
            if (m_packet->stream_index == m_stream->index) {
                const int s = avcodec_send_packet(m_ctx, m_packet);
                av_packet_unref(m_packet);
                // A damaged packet: the decoder skips it (as PyAV's decode loop does with most errors).
                if (s < 0 && s != AVERROR(EAGAIN) && s != AVERROR_INVALIDDATA)
                    throwBadInput(m_name + ": corrupt video near frame " + std::to_string(index) + " (" + avError(s) + ")");
                more = drain();
            } else {
                av_packet_unref(m_packet);
            }
        }
        if (more) {
            avcodec_send_packet(m_ctx, nullptr);  // flush the frames the decoder holds back
            drain();
        }
        return index;
    }

    RgbImage toRgb(const AVFrame* f) {
        if (f->width != m_stream->codecpar->width || f->height != m_stream->codecpar->height)
            throwBadInput(m_name + ": the frame size changes inside the video (" + std::to_string(f->width) + "x" +
                          std::to_string(f->height) + ")");
        m_sws = sws_getCachedContext(m_sws, f->width, f->height, static_cast<AVPixelFormat>(f->format), f->width, f->height,
                                     AV_PIX_FMT_RGB24, SWS_BILINEAR, nullptr, nullptr, nullptr);
        if (!m_sws) throwBadInput(m_name + ": cannot convert its pixel format to RGB");
        RgbImage img;
        img.width = f->width;
        img.height = f->height;
        img.pixels.resize(size_t(img.width) * img.height * 3);
        uint8_t* dst[4] = {img.pixels.data(), nullptr, nullptr, nullptr};
        int stride[4] = {img.width * 3, 0, 0, 0};
        if (sws_scale(m_sws, f->data, f->linesize, 0, f->height, dst, stride) != f->height)
            throwBadInput(m_name + ": pixel conversion failed");
        return img;
    }

    const std::string& name() const { return m_name; }

private:
    static int interrupted(void* opaque) {
        const auto* d = static_cast<const Demuxer*>(opaque);
        return d->m_opt.cancel && d->m_opt.cancel->load() ? 1 : 0;
    }
    void checkCancel() const {
        if (m_opt.cancel && m_opt.cancel->load()) throw Error(ErrorKind::Cancelled, "cancelled");
    }

    std::string m_name;
    VideoDecodeOptions m_opt;
    MemoryReader m_reader;
    AVIOContext* m_io = nullptr;
    AVFormatContext* m_fmt = nullptr;
    AVStream* m_stream = nullptr;
    AVCodecContext* m_ctx = nullptr;
    AVPacket* m_packet = nullptr;
    AVFrame* m_frame = nullptr;
    SwsContext* m_sws = nullptr;
};

}  // namespace

bool videoDecodingSupported() {
    return true;
}

VideoInfo probeVideo(const VideoSource& source, const VideoDecodeOptions& options) {
    const std::string name = source.name.empty() ? source.path : source.name;
    VideoInfo info;
    {
        Demuxer d(source, options);
        info = d.info();
        // As torchcodec's exact mode: frames counted, rate = frames / (end - begin), duration = end - begin.
        const Demuxer::Scan s = d.scan();
        info.totalFrames = s.frames;
        const double span = s.endSeconds - s.beginSeconds;
        if (span > 0) {
            info.fps = static_cast<double>(s.frames) / span;
            info.duration = span;
        } else if (info.fps > 0) {
            info.duration = static_cast<double>(info.totalFrames) / info.fps;
        }
    }
    if (info.totalFrames <= 0) throwBadInput(name + ": the video has no frames");
    if (info.totalFrames > options.maxFrames)
        throwBadInput(name + ": " + std::to_string(info.totalFrames) + " frames, over the limit of " + std::to_string(options.maxFrames));
    if (!(info.fps > 0) || !std::isfinite(info.fps)) throwBadInput(name + ": the video has no frame rate");
    return info;
}

VideoSource videoSourceFromFile(const std::string& path, const VideoDecodeOptions& options) {
    VideoSource s;
    s.path = path;
    s.name = path;
    s.info = probeVideo(s, options);
    return s;
}

VideoSource videoSourceFromBytes(std::shared_ptr<const std::vector<uint8_t>> bytes, const std::string& name,
                                 const VideoDecodeOptions& options) {
    VideoSource s;
    s.bytes = std::move(bytes);
    s.name = name;
    s.info = probeVideo(s, options);
    return s;
}

DecodedVideo decodeVideo(const VideoSource& source, const VideoProcessorConfig& config, const Resampler& resampler,
                         int64_t maxPixelsOverride, const VideoDecodeOptions& options) {
    if (!resampler.resize) throwBadInput(std::string("no ") + imageResizeName(resampler.kind) + " resampler in this program");
    DecodedVideo out;
    out.info = source.info.totalFrames > 0 ? source.info : probeVideo(source, options);
    out.frameIndices = sampleVideoFrames(out.info, config);
    const ResizeResult rs = videoFrameSize(out.info, static_cast<int64_t>(out.frameIndices.size()), config, maxPixelsOverride);
    out.resizedWidth = rs.width;
    out.resizedHeight = rs.height;
    for (int64_t i : out.frameIndices) out.timestamps.push_back(static_cast<double>(i) / out.info.fps);
    out.frames.resize(out.frameIndices.size());
    const int64_t last = out.frameIndices.back();  // sorted, so the last is the largest
    Demuxer d(source, options);
    size_t next = 0;  // the first index position not yet filled
    d.decode([&](int64_t index, const AVFrame* frame) {
        if (next < out.frameIndices.size() && out.frameIndices[next] == index) {
            RgbImage rgb = d.toRgb(frame);
            RgbImage small = resampler.resize(rgb, rs.width, rs.height);
            while (next < out.frameIndices.size() && out.frameIndices[next] == index) out.frames[next++] = small;
        }
        return index < last;
    });
    if (next < out.frameIndices.size())
        throwBadInput(d.name() + ": the video ends before frame " + std::to_string(out.frameIndices[next]) + " (its header claims " +
                      std::to_string(out.info.totalFrames) + " frames): truncated or damaged");
    return out;
}

RgbImage decodeVideoPoster(const VideoSource& source, const VideoDecodeOptions& options) {
    Demuxer d(source, options);
    RgbImage poster;
    d.decode([&](int64_t, const AVFrame* frame) {
        poster = d.toRgb(frame);
        return false;
    });
    if (poster.pixels.empty()) throwBadInput(d.name() + ": no frame could be decoded");
    return poster;
}

#endif

}  // namespace sightline
