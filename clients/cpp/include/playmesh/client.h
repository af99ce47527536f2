// Playmesh C++ SDK (for Unreal and native game servers): generated messages and stubs live under
// gen/ (protoc + grpc_cpp_plugin); this header adds the two things every call needs.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

namespace playmesh {

// What a call carries: the game's API key (x-api-key) and the caller's bearer token, if signed in.
struct Credentials {
  std::string api_key;
  std::string bearer_token;
};

// A channel to the gateway ("host:port"), plaintext HTTP/2; put TLS in front of Envoy in production.
inline std::shared_ptr<grpc::Channel> Connect(const std::string& gateway) {
  return grpc::CreateChannel(gateway, grpc::InsecureChannelCredentials());
}

// Adds the credentials to one call's context.
inline void Authorize(grpc::ClientContext& context, const Credentials& credentials) {
  if (!credentials.api_key.empty()) context.AddMetadata("x-api-key", credentials.api_key);
  if (!credentials.bearer_token.empty()) context.AddMetadata("authorization", "Bearer " + credentials.bearer_token);
}

}  // namespace playmesh
