// Where models live on this machine and what is there: the models folder (the app's data folder by
// default), the checkpoints in it with their origin records, import of a local folder and removal.
// Qt-free and torch-free (validation of a folder is the engine's checkCheckpoint, called by the
// front ends before they import).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "hub.h"

namespace sightline::app {

// $SIGHTLINE_MODELS_DIR, else the app's data folder (Qt's AppDataLocation for Sightline/Sightline:
// $XDG_DATA_HOME or ~/.local/share, then Sightline/Sightline) + /models.
std::string defaultModelsDir();
// The folder name a repository gets there: "zai-org/GLM-4.6V-Flash" → "zai-org--GLM-4.6V-Flash".
std::string folderNameForRepo(const std::string& repo);

struct LocalModel {
    std::string name;  // the folder name
    std::string dir;
    int64_t bytes = 0;  // every file in it
    bool hasOrigin = false;
    ModelOrigin origin;
    bool downloading = false;  // an unfinished pull's parts are there
    bool hasConfig = false;    // config.json present
};
// The model folders under root (sorted by name); an absent root is an empty list.
std::vector<LocalModel> listLocalModels(const std::string& root);
// root/name when name is a plain folder name that exists there; a path (with a '/') as it is.
std::string resolveModelDir(const std::string& root, const std::string& nameOrPath);

// Copies the files the engine reads (top-level *.json, *.jinja, *.safetensors) from src into
// root/name through a temporary folder renamed at the end (an interrupted import leaves nothing
// under name), recording each file's sha256 in the origin record (source "import", not verified
// against a hub). Throws Error(BadInput) when name exists or a copy fails (the disk named).
// `cancel` (checked every MiB) stops it with Error(Cancelled), the temporary folder removed.
void importModel(const std::string& src, const std::string& root, const std::string& name,
                 const std::function<void(const std::string& file, int64_t done, int64_t total)>& onProgress = {},
                 const std::atomic<bool>* cancel = nullptr);
// Deletes root/name (only a folder directly under root holding a model, a record or a download).
void removeModel(const std::string& root, const std::string& name);

}  // namespace sightline::app
