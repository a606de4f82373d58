// A provider class at anything-llm's path, for the preload smoke test.
class OpenAiLLM {
  async getChatCompletion() {
    return { textResponse: "ok" };
  }
}
module.exports = { OpenAiLLM };
