/// The card's citations (BibTeX): Sentence-BERT for the layout, and the papers of the losses
/// the recipe used: InfoNCE (CPC) with the E5 recipe and the SimCLR / CLIP lineage of in-batch
/// negatives, CoSENT, GradCache, MarginMSE, KL distillation, MSELoss (embedding distillation).
extension ModelCard {
  static let sentenceBERT = """
    @inproceedings{reimers-2019-sentence-bert,
        title = "Sentence-BERT: Sentence Embeddings using Siamese BERT-Networks",
        author = "Reimers, Nils and Gurevych, Iryna",
        booktitle = "Proceedings of the 2019 Conference on Empirical Methods in Natural Language Processing",
        month = "11",
        year = "2019",
        publisher = "Association for Computational Linguistics",
        url = "https://arxiv.org/abs/1908.10084",
    }
    """

  /// (heading, BibTeX entries) per loss name of `lossNames`.
  static let lossCitations: [String: (String, [String])] = [
    "InfoNCE": ("InfoNCE, with in-batch negatives as in E5, SimCLR and CLIP", [
      """
      @misc{oord2018representation,
          title={Representation Learning with Contrastive Predictive Coding},
          author={Aaron van den Oord and Yazhe Li and Oriol Vinyals},
          year={2018},
          eprint={1807.03748},
          archivePrefix={arXiv},
          primaryClass={cs.LG}
      }
      """,
      """
      @article{wang2022text,
          title={Text Embeddings by Weakly-Supervised Contrastive Pre-training},
          author={Wang, Liang and Yang, Nan and Huang, Xiaolong and Jiao, Binxing and Yang, Linjun and Jiang, Daxin and Majumder, Rangan and Wei, Furu},
          journal={arXiv preprint arXiv:2212.03533},
          year={2022}
      }
      """,
      """
      @article{wang2024multilingual,
          title={Multilingual E5 Text Embeddings: A Technical Report},
          author={Wang, Liang and Yang, Nan and Huang, Xiaolong and Yang, Linjun and Majumder, Rangan and Wei, Furu},
          journal={arXiv preprint arXiv:2402.05672},
          year={2024}
      }
      """,
      """
      @inproceedings{chen2020simple,
          title={A Simple Framework for Contrastive Learning of Visual Representations},
          author={Chen, Ting and Kornblith, Simon and Norouzi, Mohammad and Hinton, Geoffrey},
          booktitle={Proceedings of the 37th International Conference on Machine Learning},
          year={2020},
          eprint={2002.05709},
          archivePrefix={arXiv}
      }
      """,
      """
      @inproceedings{radford2021learning,
          title={Learning Transferable Visual Models From Natural Language Supervision},
          author={Radford, Alec and Kim, Jong Wook and Hallacy, Chris and Ramesh, Aditya and Goh, Gabriel and Agarwal, Sandhini and Sastry, Girish and Askell, Amanda and Mishkin, Pamela and Clark, Jack and Krueger, Gretchen and Sutskever, Ilya},
          booktitle={Proceedings of the 38th International Conference on Machine Learning},
          year={2021},
          eprint={2103.00020},
          archivePrefix={arXiv}
      }
      """,
    ]),
    "CoSENT": ("CoSENT", [
      """
      @article{huang2024cosent,
          title={CoSENT: Consistent Sentence Embedding via Similarity Ranking},
          author={Huang, Xiang and Peng, Hao and Zou, Dongcheng and Liu, Zhiwei and Li, Jianxin and Liu, Kay and Wu, Jia and Su, Jianlin and Yu, Philip S.},
          journal={IEEE/ACM Transactions on Audio, Speech, and Language Processing},
          year={2024},
          doi={10.1109/TASLP.2024.3402087}
      }
      """,
    ]),
    "GradCache": ("GradCache", [
      """
      @inproceedings{gao2021scaling,
          title={Scaling Deep Contrastive Learning Batch Size under Memory Limited Setup},
          author={Gao, Luyu and Zhang, Yunyi and Han, Jiawei and Callan, Jamie},
          booktitle={Proceedings of the 6th Workshop on Representation Learning for NLP},
          year={2021},
          eprint={2101.06983},
          archivePrefix={arXiv}
      }
      """,
    ]),
    "MarginMSE": ("MarginMSE", [
      """
      @misc{hofstatter2020improving,
          title={Improving Efficient Neural Ranking Models with Cross-Architecture Knowledge Distillation},
          author={Sebastian Hofst{\\"a}tter and Sophia Althammer and Michael Schr{\\"o}der and Mete Sertkan and Allan Hanbury},
          year={2020},
          eprint={2010.02666},
          archivePrefix={arXiv},
          primaryClass={cs.IR}
      }
      """,
    ]),
    "MSELoss": ("MSELoss (embedding distillation)", [
      """
      @inproceedings{reimers-2020-multilingual-sentence-bert,
          title = "Making Monolingual Sentence Embeddings Multilingual using Knowledge Distillation",
          author = "Reimers, Nils and Gurevych, Iryna",
          booktitle = "Proceedings of the 2020 Conference on Empirical Methods in Natural Language Processing",
          month = "11",
          year = "2020",
          publisher = "Association for Computational Linguistics",
          url = "https://arxiv.org/abs/2004.09813",
      }
      """,
    ]),
    "KLDistillation": ("Knowledge distillation (KL)", [
      """
      @misc{hinton2015distilling,
          title={Distilling the Knowledge in a Neural Network},
          author={Geoffrey Hinton and Oriol Vinyals and Jeff Dean},
          year={2015},
          eprint={1503.02531},
          archivePrefix={arXiv},
          primaryClass={stat.ML}
      }
      """,
    ]),
  ]

  func citationSection() -> String {
    var s = "\n## Citation\n\n### BibTeX\n\n#### Sentence Transformers\n\n```bibtex\n\(Self.sentenceBERT)\n```\n"
    for name in lossTags {
      guard let (heading, entries) = Self.lossCitations[name] else { continue }
      s += "\n#### \(heading)\n\n```bibtex\n\(entries.joined(separator: "\n\n"))\n```\n"
    }
    return s
  }
}
