#include "gateway/provider_icons.hpp"

namespace sg {

const std::vector<social_method>& social_methods() {
  // CVAT's order (its SOCIALACCOUNT_PROVIDERS and the UI's buttons): google, github, amazon-cognito.
  static const std::vector<social_method> methods = {
      {"google", "Google",
       R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 48 48" width="20" height="20" aria-hidden="true"><path fill="#EA4335" d="M24 9.5c3.5 0 6.6 1.2 9 3.5l6.7-6.7C35.6 2.4 30.2 0 24 0 14.6 0 6.6 5.4 2.6 13.2l7.8 6C12.3 13.5 17.7 9.5 24 9.5z"/><path fill="#4285F4" d="M46.1 24.5c0-1.6-.1-3.1-.4-4.5H24v9h12.4c-.5 2.9-2.2 5.3-4.6 6.9l7.4 5.8c4.3-4 6.9-9.9 6.9-17.2z"/><path fill="#FBBC05" d="M10.4 28.8c-.5-1.4-.8-3-.8-4.8s.3-3.3.8-4.8l-7.8-6C.9 16.5 0 20.1 0 24s.9 7.5 2.6 10.8l7.8-6z"/><path fill="#34A853" d="M24 48c6.5 0 11.9-2.1 15.9-5.8l-7.4-5.8c-2.1 1.4-4.8 2.3-8.5 2.3-6.3 0-11.7-4-13.6-9.7l-7.8 6C6.6 42.6 14.6 48 24 48z"/></svg>)"},
      {"github", "GitHub", ""},  // the enabled provider supplies its own icon
      {"amazon-cognito", "Amazon Cognito",
       R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><rect width="24" height="24" rx="4" fill="#DD344C"/><path fill="#fff" d="M12 4l6 3.5v7L12 18l-6-3.5v-7zm0 2.3L8 8.6v4.8l4 2.3 4-2.3V8.6z"/></svg>)"},
  };
  return methods;
}

}  // namespace sg
