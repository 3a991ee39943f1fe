// Progressive enhancement only: every action works as a plain form post without this file.
