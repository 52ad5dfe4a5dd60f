// Grounding boxes in answers (sightline/boxes.h): every form GLM-V's tools accept, malformed,
// out-of-range, truncated and streaming text, labels, groups and the image each box is on.
#include <gtest/gtest.h>

#include "sightline/boxes.h"

using namespace sightline;

namespace {

std::array<double, 4> B(double a, double b, double c, double d) {
    return {a, b, c, d};
}

}  // namespace

TEST(GroundingBoxes, EveryBracketForm) {
    for (const char* text : {"The cat is at <|begin_of_box|>[100,200,300,400]<|end_of_box|>.",
                             "The cat is at <|begin_of_box|>[[100, 200, 300, 400]]<|end_of_box|>.",
                             "The cat is at <|begin_of_box|>(100,200,300,400)<|end_of_box|>.",
                             "The cat is at <|begin_of_box|><100,200,300,400><|end_of_box|>.",
                             "The cat is at <|begin_of_box|> [ 100.0 , 200 , 300 , 400.0 ] <|end_of_box|>."}) {
        SCOPED_TRACE(text);
        const auto r = parseGroundingBoxes(text, 1);
        ASSERT_EQ(r.boxes.size(), 1u);
        EXPECT_EQ(r.boxes[0].box, B(100, 200, 300, 400));
        EXPECT_EQ(r.boxes[0].label, "cat");  // articles and connectives dropped
        EXPECT_EQ(r.boxes[0].image, 0);
        EXPECT_TRUE(r.notes.empty());
        EXPECT_EQ(std::string(text).substr(r.boxes[0].begin, 16), "<|begin_of_box|>");
        EXPECT_EQ(std::string(text).substr(r.boxes[0].end - 14, 14), "<|end_of_box|>");
    }
}

TEST(GroundingBoxes, SeveralBoxesAndGroups) {
    const auto r = parseGroundingBoxes(
        "Two dogs: <|begin_of_box|>[[10,20,30,40],[50,60,70,80]]<|end_of_box|>. A ball is at "
        "<|begin_of_box|>[1,2,3,4]<|end_of_box|>",
        1);
    ASSERT_EQ(r.boxes.size(), 3u);
    EXPECT_EQ(r.boxes[1].box, B(50, 60, 70, 80));
    EXPECT_EQ(r.boxes[0].group, 0);
    EXPECT_EQ(r.boxes[1].group, 0);
    EXPECT_EQ(r.boxes[2].group, 1);
    EXPECT_EQ(r.boxes[0].label, "Two dogs");
    EXPECT_EQ(r.boxes[2].label, "ball");
    EXPECT_EQ(r.groups, 2);
}

TEST(GroundingBoxes, LabelFromTheWordsBefore) {
    const auto r = parseGroundingBoxes(
        "Found it. And the **blue spoon** is located at <|begin_of_box|>[1,2,3,4]<|end_of_box|>; "
        "<|begin_of_box|>[5,6,7,8]<|end_of_box|>",
        1);
    ASSERT_EQ(r.boxes.size(), 2u);
    EXPECT_EQ(r.boxes[0].label, "blue spoon");
    EXPECT_EQ(r.boxes[1].label, "");
}

TEST(GroundingBoxes, JsonListsWithLabels) {
    const std::string text =
        "Here they are:\n```json\n[{\"bbox_2d\": [12, 34, 560, 780], \"label\": \"red square\"},\n {\"bbox_2d\": [600, 100, 900, 400], "
        "\"label\": \"blue circle\"}]\n```";
    const auto r = parseGroundingBoxes(text, 1);
    ASSERT_EQ(r.boxes.size(), 2u);
    EXPECT_EQ(r.boxes[0].label, "red square");
    EXPECT_EQ(r.boxes[1].label, "blue circle");
    EXPECT_EQ(r.boxes[1].box, B(600, 100, 900, 400));
    EXPECT_EQ(r.boxes[0].group, r.boxes[1].group);
    // Inside box markup too, and a single object.
    const auto r2 = parseGroundingBoxes("<|begin_of_box|>{\"bbox_2d\": [1, 2, 3, 4], \"label\": \"x\"}<|end_of_box|>", 1);
    ASSERT_EQ(r2.boxes.size(), 1u);
    EXPECT_EQ(r2.boxes[0].label, "x");
}

TEST(GroundingBoxes, OutOfRangeSwappedEmptyAndMalformed) {
    auto r = parseGroundingBoxes("<|begin_of_box|>[-20,50,1200,300]<|end_of_box|>", 1);
    ASSERT_EQ(r.boxes.size(), 1u);
    EXPECT_EQ(r.boxes[0].box, B(0, 50, 1000, 300));
    ASSERT_EQ(r.notes.size(), 1u);
    EXPECT_NE(r.notes[0].find("clamped"), std::string::npos);
    r = parseGroundingBoxes("<|begin_of_box|>[300,400,100,200]<|end_of_box|>", 1);
    ASSERT_EQ(r.boxes.size(), 1u);
    EXPECT_EQ(r.boxes[0].box, B(100, 200, 300, 400));  // corners put in order
    r = parseGroundingBoxes("<|begin_of_box|>[100,100,100,300]<|end_of_box|>", 1);
    EXPECT_TRUE(r.boxes.empty());
    EXPECT_NE(r.notes.at(0).find("no area"), std::string::npos);
    r = parseGroundingBoxes("<|begin_of_box|>[1,2,3]<|end_of_box|>", 1);
    EXPECT_TRUE(r.boxes.empty());
    EXPECT_NE(r.notes.at(0).find("four numbers"), std::string::npos);
    r = parseGroundingBoxes("{\"bbox_2d\": [1, 2, \"x\", 4]}", 1);
    EXPECT_TRUE(r.boxes.empty());
    EXPECT_FALSE(r.notes.empty());
    // GLM also boxes a final answer's words: not coordinates, not a grounding box, no note.
    r = parseGroundingBoxes("The answer is <|begin_of_box|>blue<|end_of_box|>.", 1);
    EXPECT_TRUE(r.boxes.empty());
    EXPECT_TRUE(r.notes.empty());
    EXPECT_EQ(r.groups, 0);
    r = parseGroundingBoxes("<|begin_of_box|>[1e999,2,3,4]<|end_of_box|>", 1);
    EXPECT_TRUE(r.boxes.empty());
}

TEST(GroundingBoxes, TruncatedAndStreaming) {
    // An open markup at the end (still streaming, or cut at the token limit): nothing yet, no note.
    auto r = parseGroundingBoxes("The cat is at <|begin_of_box|>[100,200,3", 1);
    EXPECT_TRUE(r.boxes.empty());
    EXPECT_TRUE(r.notes.empty());
    r = parseGroundingBoxes("Cat <|begin_of_box|>[1,2,3,4]<|end_of_box|> dog <|begin_of_box|>[5,6", 1);
    EXPECT_EQ(r.boxes.size(), 1u);
    r = parseGroundingBoxes("[{\"bbox_2d\": [1, 2, 3, 4], \"label\": \"a\"}, {\"bbox_2d\": [5, 6", 1);
    ASSERT_EQ(r.boxes.size(), 1u);  // the finished object is read while the list is still being written
    EXPECT_EQ(r.boxes[0].label, "a");
    r = parseGroundingBoxes("<|begin_of_box|>", 1);
    EXPECT_TRUE(r.boxes.empty());
}

TEST(GroundingBoxes, ImagesByOrderOrAmbiguous) {
    const std::string two = "Left: <|begin_of_box|>[1,2,3,4]<|end_of_box|>. Right: <|begin_of_box|>[5,6,7,8]<|end_of_box|>";
    auto r = parseGroundingBoxes(two, 2);
    ASSERT_EQ(r.boxes.size(), 2u);
    EXPECT_EQ(r.boxes[0].image, 0);
    EXPECT_EQ(r.boxes[1].image, 1);
    EXPECT_TRUE(r.notes.empty());
    r = parseGroundingBoxes(two, 3);
    EXPECT_EQ(r.boxes[0].image, -1);
    EXPECT_NE(r.notes.at(0).find("ambiguous"), std::string::npos);
    r = parseGroundingBoxes(two, 0);
    EXPECT_NE(r.notes.at(0).find("no image"), std::string::npos);
}

TEST(GroundingBoxes, PixelsAndLimits) {
    GroundingBox b;
    b.box = B(100, 250, 500, 1000);
    EXPECT_EQ(boxToPixels(b, 640, 480), (std::array<int, 4>{64, 120, 320, 480}));
    std::string many;
    for (int i = 0; i < 300; ++i) many += "<|begin_of_box|>[1,2,3,4]<|end_of_box|>";
    const auto r = parseGroundingBoxes(many, 1);
    EXPECT_EQ(r.boxes.size(), 256u);
    EXPECT_NE(r.notes.back().find("more than 256"), std::string::npos);
    // Invalid UTF-8 in a label never reaches a JSON writer as such.
    const auto u = parseGroundingBoxes("caf\xe9 <|begin_of_box|>[1,2,3,4]<|end_of_box|>", 1);
    ASSERT_EQ(u.boxes.size(), 1u);
    EXPECT_EQ(u.boxes[0].label, "caf\xEF\xBF\xBD");
}
