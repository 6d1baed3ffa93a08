#define BOOST_TEST_MODULE plugins
#include <boost/test/unit_test.hpp>

#include "kplug/activations.hpp"
#include "kplug/json.hpp"
#include "kplug/losses.hpp"
#include "kplug/plugin_abi.hpp"
#include "kplug/plugin_host.hpp"
#include "kplug/serialization.hpp"
#include "test_support.hpp"

#include <boost/dll/library_info.hpp>

#include <elf.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

using namespace kplug;
namespace fs = std::filesystem;

namespace {

using kplug::test::contains;

const fs::path kShipped = KPLUG_PLUGIN_LIB_DIR;
const fs::path kBroken = KPLUG_TEST_PLUGIN_DIR;
const fs::path kAborting = KPLUG_TEST_ABORT_PLUGIN_DIR;
const fs::path kGuide = kShipped / "libkplug_keras_guide.so";

const boost::json::value& custom_fn_config() {
  static const boost::json::value config = json::parse(
      R"({"module": "builtins", "class_name": "function", "config": "my_package>custom_fn", "registered_name": "function"})");
  return config;
}

std::shared_ptr<Activation> activation(std::string_view key) {
  boost::json::value config = custom_fn_config();
  config.as_object()["config"] = key;
  return deserialize_as<Activation>(config);
}

std::string load_error(PluginHost& host, const fs::path& file) {
  try {
    host.load(file);
  } catch (const PluginError& e) {
    return e.what();
  }
  BOOST_FAIL("plugin " << file << " loaded, an error was expected");
  return {};
}

std::string hex_of(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : text) out += {kHex[c >> 4], kHex[c & 0xF]};
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(listing_reads_the_file_without_loading) {
  const PluginListing listing = PluginHost::inspect(kGuide);
  BOOST_TEST(listing.name == "keras_guide");
  BOOST_TEST(listing.version == "1.1.0");
  BOOST_TEST(listing.abi_version == kplug::plugin::kAbiVersion);
  BOOST_TEST(listing.packages == (std::vector<std::string>{"MyLayers", "my_package"}));
  BOOST_TEST(listing.keys ==
             (std::vector<std::string>{"MyLayers>CustomLayer", "MyLayers>KernelMult", "MyLayers>TinyMLP",
                                       "my_package>ModifiedMeanSquaredError", "my_package>custom_fn"}));
  // Loading this one would abort the process; listing it runs none of its code.
  const PluginListing aborting = PluginHost::inspect(kAborting / "libtest_aborting.so");
  BOOST_TEST(aborting.name == "aborting");
  BOOST_TEST(aborting.version == "6.6.6");
  BOOST_TEST(aborting.keys == std::vector<std::string>{"aborting>never"});
  BOOST_CHECK_THROW(PluginHost::inspect(kBroken / "does_not_exist.so"), PluginError);
}

// --- Listing hostile files: the listing is read before dlopen, from untrusted bytes. ---
namespace {

// A copy of a plugin's bytes, patched in place as Elf64 structures (the test host is 64-bit).
struct ElfBytes {
  std::string bytes = test::read_text(kGuide);

  template <class T>
  T get(std::uint64_t offset) const {
    BOOST_REQUIRE(offset + sizeof(T) <= bytes.size());
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof value);
    return value;
  }
  template <class T>
  void put(std::uint64_t offset, const T& value) {
    BOOST_REQUIRE(offset + sizeof(T) <= bytes.size());
    std::memcpy(bytes.data() + offset, &value, sizeof value);
  }
  Elf64_Ehdr header() const { return get<Elf64_Ehdr>(0); }
  std::uint64_t section_offset(std::size_t index) const { return header().e_shoff + index * sizeof(Elf64_Shdr); }
  Elf64_Shdr section(std::size_t index) const { return get<Elf64_Shdr>(section_offset(index)); }
  std::size_t index_of_type(std::uint32_t type) const {
    for (std::size_t i = 0; i < header().e_shnum; ++i) {
      if (section(i).sh_type == type) return i;
    }
    BOOST_FAIL("no section of type " << type);
    return 0;
  }
  template <class F>
  void patch_section(std::size_t index, F&& change) {
    Elf64_Shdr s = section(index);
    change(s);
    put(section_offset(index), s);
  }
};

fs::path temp_plugin(std::string_view tag) {
  return fs::temp_directory_path() / ("kplug_elf_" + std::string(tag) + "_" + std::to_string(::getpid()) + ".so");
}

void write_file(const fs::path& file, std::string_view bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  BOOST_REQUIRE(out.good());
}

// The PluginError listing these bytes gives (any other outcome fails the test).
std::string listing_error(std::string_view bytes) {
  const fs::path file = temp_plugin("listing");
  write_file(file, bytes);
  std::string what;
  try {
    PluginHost::inspect(file);
  } catch (const PluginError& e) {
    what = e.what();
  }
  fs::remove(file);
  BOOST_TEST(!what.empty(), "a corrupted plugin file was listed without error");
  BOOST_TEST(contains(what, file.string()), what);
  return what;
}

}  // namespace

BOOST_AUTO_TEST_CASE(listing_matches_boost_dll_reader) {
  // The host's own ELF reader (not Boost.DLL's, for speed) must list what Boost.DLL lists.
  std::size_t compared = 0;
  for (const fs::path& dir : {kShipped, kBroken, kAborting}) {
    for (const fs::path& file : PluginHost::plugin_files(dir)) {
      std::vector<std::string> expected = boost::dll::library_info(file).symbols(plugin::kListingSection);
      if (expected.empty()) {
        BOOST_CHECK_THROW(PluginHost::inspect(file), PluginError);
        continue;
      }
      const PluginListing listing = PluginHost::inspect(file);
      std::size_t packages = 0, keys = 0;
      for (const auto& symbol : expected) {
        packages += symbol.starts_with("kplug_p_") ? 1 : 0;
        keys += symbol.starts_with("kplug_k_") ? 1 : 0;
        if (symbol.starts_with("kplug_b_")) BOOST_TEST(listing.build_id == symbol.substr(8), file);
        if (symbol.starts_with("kplug_n_")) BOOST_TEST(symbol == "kplug_n_" + hex_of(listing.name), file);
      }
      BOOST_TEST(listing.packages.size() == packages, file);
      BOOST_TEST(listing.keys.size() == keys, file);
      ++compared;
    }
  }
  BOOST_TEST(compared >= 10u);
}

BOOST_AUTO_TEST_CASE(listing_refuses_non_elf_and_foreign_files) {
  BOOST_TEST(contains(listing_error(""), "a file of 0 bytes is not a shared library"));
  BOOST_TEST(contains(listing_error("\x7f"
                                    "ELF"),
                      "a file of 4 bytes is not a shared library"));
  BOOST_TEST(contains(listing_error(std::string(4096, 'x')), "not an ELF file"));
  ElfBytes elf;
  elf.bytes[EI_CLASS] = 7;
  BOOST_TEST(contains(listing_error(elf.bytes), "unknown ELF class 7"));
  elf = ElfBytes{};
  elf.bytes[EI_DATA] = ELFDATA2MSB;
  BOOST_TEST(contains(listing_error(elf.bytes), "byte order"));
  // A directory named like a plugin.
  const fs::path dir = temp_plugin("dir");
  fs::create_directory(dir);
  std::string what;
  try {
    PluginHost::inspect(dir);
  } catch (const PluginError& e) {
    what = e.what();
  }
  fs::remove(dir);
  BOOST_TEST(contains(what, "not a regular file"), what);
  // A FIFO named like a plugin: refused, without blocking on its open.
  const fs::path fifo = temp_plugin("fifo");
  BOOST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  what.clear();
  try {
    PluginHost::inspect(fifo);
  } catch (const PluginError& e) {
    what = e.what();
  }
  fs::remove(fifo);
  BOOST_TEST(contains(what, "not a regular file"), what);
}

BOOST_AUTO_TEST_CASE(listing_refuses_truncated_files) {
  const ElfBytes elf;
  const std::uint64_t size = elf.bytes.size();
  // Section headers sit at the end of the file: any cut loses some of them.
  std::vector<std::uint64_t> lengths{16, 63, 64, 65, 1000, elf.header().e_shoff, elf.header().e_shoff + 1, size - 1};
  for (std::uint64_t cut = size / 61; cut < size; cut += size / 61) lengths.push_back(cut);
  for (const std::uint64_t length : lengths) {
    const std::string what = listing_error(std::string_view(elf.bytes).substr(0, length));
    BOOST_TEST(contains(what, "truncated or corrupted"), "cut at " << length << ": " << what);
  }
}

BOOST_AUTO_TEST_CASE(listing_refuses_corrupted_headers) {
  auto error_after = [](auto&& change) {
    ElfBytes elf;
    change(elf);
    return listing_error(elf.bytes);
  };
  using H = Elf64_Ehdr;
  auto header_field = [&](auto member, auto value) {
    return error_after([&](ElfBytes& elf) {
      H h = elf.header();
      h.*member = value;
      elf.put(0, h);
    });
  };
  BOOST_TEST(contains(header_field(&H::e_shoff, ~std::uint64_t{0} - 8), "truncated or corrupted"));
  BOOST_TEST(contains(header_field(&H::e_shoff, std::uint64_t{0}), "no section headers"));
  BOOST_TEST(contains(header_field(&H::e_shnum, std::uint16_t{0xFFFE}), "truncated or corrupted"));
  BOOST_TEST(contains(header_field(&H::e_shentsize, std::uint16_t{10}), "section header size 10, expected 64"));
  BOOST_TEST(contains(header_field(&H::e_shstrndx, std::uint16_t{200}), "section index 200 out of range"));

  const ElfBytes original;
  const std::size_t dynsym = original.index_of_type(SHT_DYNSYM);
  const std::size_t dynstr = original.section(dynsym).sh_link;
  auto section_field = [&](std::size_t index, auto&& change) {
    return error_after([&](ElfBytes& elf) { elf.patch_section(index, change); });
  };
  BOOST_TEST(contains(header_field(&H::e_shstrndx, static_cast<std::uint16_t>(dynsym)), "is not a string table"));
  const std::size_t names = original.header().e_shstrndx;
  BOOST_TEST(contains(section_field(names, [](Elf64_Shdr& s) { s.sh_offset = ~std::uint64_t{0} - 4; }),
                      "the section name table"));
  BOOST_TEST(contains(section_field(1, [](Elf64_Shdr& s) { s.sh_name = 0x7FFFFFFF; }),
                      "section 1 has a name outside the section name table"));
  BOOST_TEST(contains(section_field(dynsym, [](Elf64_Shdr& s) { s.sh_offset = std::uint64_t{1} << 62; }),
                      "the dynamic symbol table"));
  BOOST_TEST(contains(section_field(dynsym, [](Elf64_Shdr& s) { s.sh_size = sizeof(Elf64_Sym) << 40; }),
                      "truncated or corrupted"));
  BOOST_TEST(contains(section_field(dynsym, [](Elf64_Shdr& s) { s.sh_size += 5; }), "not a whole number of symbols"));
  BOOST_TEST(contains(section_field(dynsym, [](Elf64_Shdr& s) { s.sh_entsize = 7; }), "dynamic symbol size 7"));
  BOOST_TEST(contains(section_field(dynsym, [](Elf64_Shdr& s) { s.sh_link = 999; }), "section index 999 out of range"));
  BOOST_TEST(
      contains(section_field(dynsym, [](Elf64_Shdr& s) { s.sh_type = SHT_PROGBITS; }), "no dynamic symbol table"));
  // Names cut off: the string table shrunk, or every symbol's name pointing past it.
  BOOST_TEST(contains(section_field(dynstr, [](Elf64_Shdr& s) { s.sh_size = 1; }), "outside its string table"));
  BOOST_TEST(contains(error_after([&](ElfBytes& elf) {
                        const Elf64_Shdr s = elf.section(dynsym);
                        for (std::uint64_t at = s.sh_offset; at < s.sh_offset + s.sh_size; at += sizeof(Elf64_Sym)) {
                          elf.put<std::uint32_t>(at + offsetof(Elf64_Sym, st_name), 0xFFFFFFF0u);
                        }
                      }),
                      "outside its string table"));
  // Without the listing section it is simply not a plugin.
  BOOST_TEST(contains(error_after([&](ElfBytes& elf) {
                        const std::size_t at =
                            elf.bytes.find(std::string(plugin::kListingSection) + '\0', elf.section(names).sh_offset);
                        BOOST_REQUIRE(at != std::string::npos);
                        elf.bytes[at] = 'X';
                      }),
                      "is not a kplug plugin: no listing"));
}

BOOST_AUTO_TEST_CASE(listing_survives_random_corruption) {
  // Random bytes over every part the reader uses: each file lists or gives a PluginError.
  const ElfBytes original;
  const std::size_t dynsym = original.index_of_type(SHT_DYNSYM);
  const Elf64_Shdr names = original.section(original.header().e_shstrndx);
  const Elf64_Shdr symbols = original.section(dynsym);
  const Elf64_Shdr strings = original.section(symbols.sh_link);
  const std::vector<std::pair<std::uint64_t, std::uint64_t>> regions{
      {0, sizeof(Elf64_Ehdr)},
      {original.header().e_shoff, original.header().e_shnum * sizeof(Elf64_Shdr)},
      {names.sh_offset, names.sh_size},
      {symbols.sh_offset, symbols.sh_size},
      {strings.sh_offset, strings.sh_size}};
  const fs::path file = temp_plugin("random");
  write_file(file, original.bytes);
  std::mt19937_64 random(20261130);
  std::size_t listed = 0, refused = 0;
  for (int round = 0; round < 400; ++round) {
    // Patched in place, then restored: writing the whole file each round would dominate.
    std::vector<std::uint64_t> changed;
    std::fstream io(file, std::ios::binary | std::ios::in | std::ios::out);
    const int flips = 1 + static_cast<int>(random() % 8);
    for (int i = 0; i < flips; ++i) {
      const auto& [start, size] = regions[random() % regions.size()];
      changed.push_back(start + random() % size);
      const char byte = static_cast<char>(random());
      io.seekp(static_cast<std::streamoff>(changed.back())).write(&byte, 1);
    }
    io.flush();
    BOOST_REQUIRE(io.good());
    try {
      PluginHost::inspect(file);
      ++listed;
    } catch (const PluginError&) {
      ++refused;
    }
    for (const std::uint64_t at : changed) io.seekp(static_cast<std::streamoff>(at)).write(&original.bytes[at], 1);
  }
  fs::remove(file);
  BOOST_TEST(listed + refused == 400u);
  BOOST_TEST(refused > 0u);
}

BOOST_AUTO_TEST_CASE(corrupted_listing_is_refused_before_dlopen) {
  ElfBytes elf;
  elf.bytes.resize(elf.bytes.size() - 100);  // loses the last section headers
  const fs::path file = temp_plugin("load");
  write_file(file, elf.bytes);
  PluginHost host;
  const std::string what = load_error(host, file);
  fs::remove(file);
  BOOST_TEST(contains(what, "cannot list plugin"), what);
  BOOST_TEST(contains(what, "truncated or corrupted"), what);
}

BOOST_AUTO_TEST_CASE(load_resolve_unload) {
  PluginHost host;
  BOOST_CHECK_THROW(activation("my_package>custom_fn"), UnknownObjectError);
  BOOST_TEST(host.load(kGuide) == "keras_guide");
  BOOST_TEST(host.load(kGuide) == "keras_guide");  // same file again: no-op
  auto square = activation("my_package>custom_fn");
  BOOST_TEST((*square)(Tensor::vector({3.0f}))[0] == 9.0f);
  BOOST_TEST(json::write(serialize(*square)) == json::write(custom_fn_config()));
  const auto site = kplug::registered_site(*get_custom_objects().find("my_package>custom_fn"));
  BOOST_TEST(contains(site.owner, "libkplug_keras_guide.so"));
  BOOST_TEST(contains(site.file, "keras_guide.cpp"));

  host.unload("keras_guide");
  BOOST_TEST(!get_custom_objects().contains("my_package>custom_fn"));
  // The object outlives the unload: the library stays mapped while it lives.
  BOOST_TEST((*square)(Tensor::vector({4.0f}))[0] == 16.0f);
  BOOST_CHECK_THROW(host.unload("keras_guide"), PluginError);
}

// The guide's `class ModifiedMeanSquaredError(keras.losses.MeanSquaredError)`: a plugin
// class deriving from a built-in, read from the file Python Keras wrote.
BOOST_AUTO_TEST_CASE(plugin_subclass_of_a_builtin_loss) {
  const auto fixture =
      json::parse(test::read_text(test::data_dir() / "objects" / "custom_ModifiedMeanSquaredError.json"));
  BOOST_CHECK_THROW(deserialize_as<Loss>(fixture), UnknownObjectError);
  PluginHost host;
  host.load(kGuide);
  auto loss = deserialize_as<Loss>(fixture);
  BOOST_TEST(json::write(serialize(*loss)) == json::write(fixture));
  BOOST_TEST(get_registered_name(*loss) == "my_package>ModifiedMeanSquaredError");
  // mean over the last axis of (1-0)^2, (2-4)^2 -> [2.5], then sum_over_batch_size.
  const Tensor y_true = Tensor::matrix({{1, 2}});
  const Tensor y_pred = Tensor::matrix({{0, 4}});
  BOOST_TEST((*loss)(y_true, y_pred).item() == 2.5f);
  host.unload("keras_guide");
  BOOST_TEST((*loss)(y_true, y_pred).item() == 2.5f);  // still mapped while the object lives
}

BOOST_AUTO_TEST_CASE(wrong_abi_is_refused) {
  PluginHost host;
  const std::string what = load_error(host, kBroken / "libtest_wrong_abi.so");
  BOOST_TEST(contains(what, "wrong ABI version: got 999, expected " + std::to_string(kplug::plugin::kAbiVersion)),
             what);
  BOOST_TEST(!get_custom_objects().contains("raw>identity"));
}

// Issue 6: a plugin built against the previous ABI (N-1) is refused with the ABI message.
BOOST_AUTO_TEST_CASE(previous_abi_is_refused) {
  PluginHost host;
  const std::string what = load_error(host, kBroken / "libtest_old_abi.so");
  BOOST_TEST(contains(what, "wrong ABI version: got " + std::to_string(kplug::plugin::kAbiVersion - 1) + ", expected " +
                                std::to_string(kplug::plugin::kAbiVersion) + " (rebuild it against this kplug SDK)"),
             what);
  BOOST_TEST(static_cast<std::uint32_t>(KPLUG_TEST_PREVIOUS_ABI + 1) == kplug::plugin::kAbiVersion);
  BOOST_TEST(!get_custom_objects().contains("raw>identity"));
}

// The other std::string ABI: refused from the listing, before the loader fails on its
// undefined symbols, and `kplug plugins` does not list it as usable.
BOOST_AUTO_TEST_CASE(old_string_abi_is_refused_before_loading) {
  const fs::path file = kBroken / "libtest_old_string_abi.so";
  const PluginListing listing = PluginHost::inspect(file);
  BOOST_TEST(contains(listing.build_id, "__0__"), listing.build_id);
  BOOST_TEST(contains(PluginHost::incompatibility(listing), "built with _GLIBCXX_USE_CXX11_ABI 0"));
  BOOST_TEST(PluginHost::incompatibility(PluginHost::inspect(kGuide)).empty());
  PluginHost host;
  const std::string what = load_error(host, file);
  BOOST_TEST(contains(what,
                      "built with _GLIBCXX_USE_CXX11_ABI 0, but this host expects 1 (rebuild the plugin with the "
                      "same toolchain and SDK)"),
             what);
  BOOST_TEST(!contains(what, "undefined symbol"), what);
  BOOST_TEST(!contains(what, "Bad file descriptor"), what);

  const std::string cli = KPLUG_CLI;
  const std::string out = (fs::temp_directory_path() / ("kplug_cli_abi_" + std::to_string(::getpid()))).string();
  const std::string command = cli + " plugins " + kBroken.string() + " > " + out;
  BOOST_TEST(WEXITSTATUS(std::system(command.c_str())) == 2);
  const std::string listed = test::read_text(out);
  fs::remove(out);
  BOOST_TEST(contains(listed,
                      "incompatible: plugin " + fs::canonical(file).string() + ": built with _GLIBCXX_USE_CXX11_ABI 0"),
             listed);
}

// A loader failure reads as the loader wrote it, never followed by a stale errno text.
BOOST_AUTO_TEST_CASE(loader_error_has_no_stale_errno) {
  PluginHost host;
  const std::string what = load_error(host, kBroken / "libtest_undefined_symbol.so");
  BOOST_TEST(contains(what, "undefined symbol: kplug_test_no_such_function"), what);
  BOOST_TEST(!contains(what, "Bad file descriptor"), what);
  BOOST_TEST(!contains(what, "dlerror"), what);
}

BOOST_AUTO_TEST_CASE(misspelled_keys_are_reported) {
  PluginHost host;
  const std::string what = load_error(host, kBroken / "libtest_misspelled_keys.so");
  BOOST_TEST(contains(what, "its KEYS differ from what it registers"), what);
  BOOST_TEST(contains(what, "declared in KEYS but not registered: 'misspelled>scael'"), what);
  BOOST_TEST(contains(what, "registered but not declared in KEYS: 'misspelled>scale'"), what);
  BOOST_TEST(!get_custom_objects().contains("misspelled>scale"));
  BOOST_TEST(!host.is_loaded("misspelled_keys"));
}

BOOST_AUTO_TEST_CASE(wrong_build_id_is_refused) {
  PluginHost host;
  const std::string what = load_error(host, kBroken / "libtest_wrong_build.so");
  BOOST_TEST(contains(what, "built with Boost 107400, but this host expects " + std::to_string(BOOST_VERSION)), what);
}

BOOST_AUTO_TEST_CASE(missing_entry_symbol) {
  PluginHost host;
  const std::string what = load_error(host, kBroken / "libtest_missing_entry.so");
  BOOST_TEST(contains(what, "no entry symbol 'kplug_plugin_v1'"), what);
}

BOOST_AUTO_TEST_CASE(throwing_registration_rolls_back) {
  PluginHost host;
  const std::string what = load_error(host, kBroken / "libtest_throwing.so");
  BOOST_TEST(contains(what, "plugin 'throwing'"), what);
  BOOST_TEST(contains(what, "boom from the throwing plugin"), what);
  BOOST_TEST(!get_custom_objects().contains("throwing>first"));
  BOOST_TEST(!host.is_loaded("throwing"));
  host.load(kGuide);  // the host goes on working
  BOOST_TEST(activation("my_package>custom_fn") != nullptr);
}

BOOST_AUTO_TEST_CASE(duplicate_key_names_both_owners) {
  PluginHost host;
  host.load(kGuide);
  const std::string what = load_error(host, kBroken / "libtest_duplicate.so");
  BOOST_TEST(contains(what, "my_package>custom_fn"), what);
  BOOST_TEST(contains(what, "libkplug_keras_guide.so"), what);
  BOOST_TEST(contains(what, "libtest_duplicate.so"), what);
  // A plugin's registrar cannot replace a key: the message does not advise it.
  BOOST_TEST(!contains(what, "replace"), what);
  // The first owner keeps its key.
  BOOST_TEST((*activation("my_package>custom_fn"))(Tensor::vector({3.0f}))[0] == 9.0f);
}

BOOST_AUTO_TEST_CASE(undeclared_package_is_refused) {
  PluginHost host;
  const std::string what = load_error(host, kBroken / "libtest_undeclared.so");
  BOOST_TEST(contains(what, "'somebody_else', which it does not declare"), what);
}

BOOST_AUTO_TEST_CASE(same_symbol_names_stay_apart) {
  PluginHost host;
  host.load(kBroken / "libtest_same_symbols_a.so");
  host.load(kBroken / "libtest_same_symbols_b.so");
  BOOST_TEST((*activation("same_a>scale"))(Tensor::vector({3.0f}))[0] == 3.0f);
  BOOST_TEST((*activation("same_b>scale"))(Tensor::vector({3.0f}))[0] == 6.0f);
}

BOOST_AUTO_TEST_CASE(same_name_from_another_path_is_refused) {
  PluginHost host;
  host.load(kGuide);
  const fs::path copy = fs::temp_directory_path() / ("kplug_copy_" + std::to_string(::getpid()) + ".so");
  fs::copy_file(kGuide, copy, fs::copy_options::overwrite_existing);
  const std::string what = load_error(host, copy);
  fs::remove(copy);
  BOOST_TEST(contains(what, "is named 'keras_guide', like the plugin already loaded from"), what);
}

BOOST_AUTO_TEST_CASE(directory_load_reports_broken_plugins_and_loads_the_rest) {
  PluginHost host;
  const auto reports = host.load_directory(kBroken);
  std::size_t loaded = 0, failed = 0;
  for (const auto& report : reports) {
    (report.loaded ? loaded : failed) += 1;
    if (!report.loaded) BOOST_TEST(!report.error.empty());
  }
  BOOST_TEST(loaded == 3u);  // duplicate (no keras_guide here), same_symbols_a, same_symbols_b
  // missing_entry, throwing, undeclared, wrong_abi, wrong_build, old_abi, old_string_abi,
  // undefined_symbol, misspelled_keys
  BOOST_TEST(failed == 9u);
  BOOST_TEST((*activation("same_b>scale"))(Tensor::vector({1.0f}))[0] == 2.0f);
  // Deterministic order: by file name.
  BOOST_TEST(
      std::is_sorted(reports.begin(), reports.end(), [](const auto& a, const auto& b) { return a.path < b.path; }));
  PluginHost strict;
  BOOST_CHECK_THROW(strict.load_directory(kBroken, true), PluginError);
}

BOOST_AUTO_TEST_CASE(on_demand_loading_from_an_index) {
  PluginHost host;
  host.index_directory(kShipped);
  DeserializeOptions options;
  options.key_provider = &host;
  // Indexed but not auto-loading: the error names the plugin that would provide it.
  try {
    deserialize_as<Activation>(custom_fn_config(), options);
    BOOST_FAIL("resolved without loading");
  } catch (const UnknownObjectError& e) {
    BOOST_TEST(contains(e.what(), "Package 'my_package': declared by the plugin(s)"), e.what());
    BOOST_TEST(contains(e.what(), "libkplug_keras_guide.so (indexed, not loaded)"), e.what());
    BOOST_TEST(!contains(e.what(), "--plugins"), e.what());  // library words, not the CLI's
  }
  host.set_auto_load(true);
  auto square = deserialize_as<Activation>(custom_fn_config(), options);
  BOOST_TEST(host.is_loaded("keras_guide"));
  BOOST_TEST((*square)(Tensor::vector({2.0f}))[0] == 4.0f);
}

// What happened to a plugin declaring the missing key's package, in the library's words.
BOOST_AUTO_TEST_CASE(missing_key_says_what_happened_to_the_plugin) {
  PluginHost host;
  host.index_directory(kBroken);
  BOOST_TEST(contains(host.explain("misspelled>nothing"), "(indexed, not loaded)"), host.explain("misspelled>nothing"));
  BOOST_CHECK_THROW(host.load(kBroken / "libtest_misspelled_keys.so"), PluginError);
  const std::string failed = host.explain("misspelled>nothing");
  BOOST_TEST(contains(failed, "(failed to load: plugin 'misspelled_keys'"), failed);
  host.load(kBroken / "libtest_same_symbols_a.so");
  const std::string loaded = host.explain("same_a>nothing");
  BOOST_TEST(contains(loaded, "libtest_same_symbols_a.so (loaded, but it does not register this key)"), loaded);
  BOOST_TEST(!contains(loaded, "not loaded"), loaded);
}

BOOST_AUTO_TEST_CASE(lookups_while_plugins_load_and_unload) {
  PluginHost host;
  std::atomic<bool> done{false};
  std::atomic<int> resolved{0};
  auto reader = [&] {
    while (!done) {
      try {
        auto fn = activation("my_package>custom_fn");
        if ((*fn)(Tensor::vector({2.0f}))[0] == 4.0f) ++resolved;
      } catch (const UnknownObjectError&) {
        // unloaded at this moment
      }
    }
  };
  std::thread a(reader), b(reader);
  for (int i = 0; i < 30; ++i) {
    host.load(kGuide);
    std::this_thread::yield();
    host.unload("keras_guide");
  }
  host.load(kGuide);
  while (resolved == 0) std::this_thread::yield();
  done = true;
  a.join();
  b.join();
  BOOST_TEST(resolved > 0);
}

BOOST_AUTO_TEST_CASE(cli_roundtrip_with_and_without_plugins) {
  const std::string cli = KPLUG_CLI;
  const std::string out = (fs::temp_directory_path() / ("kplug_cli_" + std::to_string(::getpid()))).string();
  std::string command;
  for (const char* name : {"custom_fn.json", "custom_ModifiedMeanSquaredError.json"}) {
    const std::string file = (test::data_dir() / "objects" / name).string();
    command = cli + " roundtrip --plugins " + kShipped.string() + " " + file + " > " + out;
    BOOST_TEST(std::system(command.c_str()) == 0, name);
    BOOST_TEST(test::read_text(out) == test::read_text(file), name);
  }
  const std::string fixture = (test::data_dir() / "objects" / "custom_fn.json").string();
  command = "KPLUG_PLUGIN_PATH=" + kShipped.string() + " " + cli + " roundtrip " + fixture + " 2> " + out;
  BOOST_TEST(WEXITSTATUS(std::system(command.c_str())) == 2);
  const std::string error = test::read_text(out);
  BOOST_TEST(contains(error, "Package 'my_package': declared by the plugin(s)"), error);
  BOOST_TEST(contains(error, "libkplug_keras_guide.so (indexed, not loaded)"), error);
  BOOST_TEST(contains(error, "(load a plugin directory with --plugins DIR)"), error);  // the CLI's own hint
  command = cli + " plugins " + kShipped.string() + " --load > " + out;
  BOOST_TEST(std::system(command.c_str()) == 0);
  const std::string listed = test::read_text(out);
  BOOST_TEST(contains(listed, "keras_guide 1.1.0 (ABI " + std::to_string(kplug::plugin::kAbiVersion) + ")"));
  BOOST_TEST(contains(listed,
                      "  registered keys: MyLayers>CustomLayer MyLayers>KernelMult MyLayers>TinyMLP "
                      "my_package>ModifiedMeanSquaredError my_package>custom_fn"),
             listed);
  // Without KEYS, --load shows what the plugin actually registers.
  command = cli + " plugins " + kBroken.string() + " --load > " + out + " 2>&1";
  std::system(command.c_str());
  const std::string broken = test::read_text(out);
  BOOST_TEST(contains(broken, "same_symbols_a 0.0.0"), broken);
  BOOST_TEST(contains(broken, "  keys: (none declared)"), broken);
  BOOST_TEST(contains(broken, "  registered keys: same_a>scale"), broken);
  fs::remove(out);
}
